// Standard process metrics (process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds, process_start_time_seconds),
// read from /proc at scrape time, as the Prometheus client libraries of other languages export
// them.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

namespace sfu::metrics {

std::vector<prometheus::MetricFamily> collectProcessMetrics();

}  // namespace sfu::metrics
