// Fuzzes the validation of REST bodies and socket payloads of the call API: any JSON either parses
// into a request or is refused with ApiError 400; nothing else escapes.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "signaling/api/call_api.h"
#include "signaling/calls/call_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto body = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return 0;
  using namespace signaling::calls;
  auto guarded = [](auto&& fn) {
    try {
      fn();
    } catch (const signaling::ApiError& e) {
      if (e.status() != 400) std::abort();
    }
  };
  guarded([&] {
    auto req = parseInitiate(body, "caller", 8);
    if (req.participants.size() < 2 || req.participants.size() > 8) std::abort();
    if (req.participants[0] != "caller") std::abort();
  });
  guarded([&] { parseAnswer(body); });
  guarded([&] {
    signaling::store::QualityReport r;
    parseQuality(body, r);
  });
  guarded([&] {
    if (body.is_object()) parseTracks(body);
  });
  (void)sdpOf(body);
  if (body.is_object()) (void)stringField(body, "call_id");
  return 0;
}
