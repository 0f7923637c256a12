// Fuzz target: DCEP (RFC 8832) parsing; every parsed OPEN must rebuild and re-parse identically.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "sfu/sctp/dcep.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = sfu::sctp::parseDcep(std::span<const uint8_t>(data, size));
  if (parsed.type == sfu::sctp::DcepMessageType::kOpen) {
    auto bytes = sfu::sctp::buildDcepOpen(parsed.open);
    auto again = sfu::sctp::parseDcep(bytes);
    if (again.type != sfu::sctp::DcepMessageType::kOpen || again.open.label != parsed.open.label ||
        again.open.protocol != parsed.open.protocol ||
        again.open.channelType != parsed.open.channelType) {
      std::abort();
    }
  }
  return 0;
}
