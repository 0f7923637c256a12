#include "sfu/metrics/registry.h"

#include <prometheus/text_serializer.h>

namespace sfu::metrics {

prometheus::Registry& registry() {
  static prometheus::Registry instance;
  return instance;
}

std::string serialize() {
  prometheus::TextSerializer serializer;
  return serializer.Serialize(registry().Collect());
}

}  // namespace sfu::metrics
