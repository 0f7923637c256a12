// Fuzz target: SDP parse; whatever parses must write and re-parse to the same model; offers go
// through createAnswer (whose answer must round-trip too) and applySubscribeAnswer.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sfu/sdp/negotiation.h"
#include "sfu/sdp/sdp_parser.h"
#include "sfu/sdp/sdp_writer.h"

using namespace sfu::sdp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse(text);
  if (!parsed.ok()) return 0;
  const SessionDescription& sdp = *parsed.sdp;

  const std::string written = write(sdp);
  auto again = parse(written);
  if (!again.ok() || !(*again.sdp == sdp)) std::abort();

  static const Capabilities caps = Capabilities::defaults();
  static const LocalTransport local{"abcd1234",
                                    "0123456789abcdefghijklmn",
                                    {"sha-256", "AA:BB"},
                                    {{"127.0.0.1", 40000, 40000}},
                                    "1",
                                    1};
  auto answer = createAnswer(sdp, caps, local);
  if (answer.ok) {
    auto back = parse(write(answer.answer));
    if (!back.ok() || !(*back.sdp == answer.answer)) std::abort();
  }

  static const SubscribeOfferResult offer = createSubscribeOffer(
      {{"0", "audio", OutgoingTrack::State::kActive, "u", "a", "c", 1, 0, {}},
       {"1", "video", OutgoingTrack::State::kActive, "u", "v", "c", 2, 3, {}},
       {"2", "application", OutgoingTrack::State::kActive, "", "", "", 0, 0, {}}},
      caps, local);
  (void)applySubscribeAnswer(offer.offer, sdp);
  return 0;
}
