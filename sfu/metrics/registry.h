// The process-wide Prometheus registry. Created here, in the lowest layer that counts, so the media
// path can count without knowing signaling; signaling adds its own families and serves /metrics.
// Families are registered at start-up; the media path keeps references to its (per-worker) series
// and never looks anything up per packet.
#pragma once

#include <prometheus/registry.h>

#include <string>

namespace sfu::metrics {

prometheus::Registry& registry();

// The registry in the Prometheus text exposition format (what GET /metrics returns).
std::string serialize();

}  // namespace sfu::metrics
