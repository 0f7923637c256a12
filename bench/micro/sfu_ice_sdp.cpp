// STUN/ICE-lite and SDP costs: parse, full binding-request handling, router lookup, SDP
// parse/write and answer generation.
#include <benchmark/benchmark.h>

#include "sfu/ice/ice_lite.h"
#include "sfu/ice/stun_client.h"
#include "sfu/sdp/negotiation.h"
#include "sfu/sdp/sdp_parser.h"
#include "sfu/sdp/sdp_writer.h"

namespace {

using namespace sfu;

struct Request {
  ice::StunPacket pkt;
  std::span<const uint8_t> bytes;
  Request() {
    ice::BindingRequestParams p{"cli1", "srvUfrag", "serverpassword0123456789", 1853817087,
                                42,     true,       ice::randomTransactionId()};
    bytes = ice::buildBindingRequest(p, pkt);
  }
};

void BM_StunParse(benchmark::State& state) {
  Request req;
  for (auto _ : state) benchmark::DoNotOptimize(ice::StunMessage::parse(req.bytes));
}
BENCHMARK(BM_StunParse);

void BM_LocalUfragOf(benchmark::State& state) {
  Request req;
  for (auto _ : state) benchmark::DoNotOptimize(ice::localUfragOf(req.bytes));
}
BENCHMARK(BM_LocalUfragOf);

// Parse + USERNAME + HMAC-SHA1 check + CRC-32 check + success response with HMAC and CRC.
void BM_IceLiteHandleBinding(benchmark::State& state) {
  Request req;
  ice::IceLiteAgent agent({"srvUfrag", "serverpassword0123456789"}, ice::TimePoint{});
  agent.setRemoteCredentials("cli1", "x");
  const auto from = *net::Endpoint::parse("192.0.2.1:5000");
  for (auto _ : state) {
    auto r = agent.handleStun(req.bytes, from, ice::TimePoint{});
    benchmark::DoNotOptimize(r.response.data());
  }
}
BENCHMARK(BM_IceLiteHandleBinding);

std::string subscribeOfferText() {
  using S = sdp::OutgoingTrack::State;
  std::vector<sdp::OutgoingTrack> tracks;
  for (int i = 0; i < 8; ++i) {
    tracks.push_back({std::to_string(2 * i),
                      "audio",
                      S::kActive,
                      "u" + std::to_string(i),
                      "a",
                      "c",
                      static_cast<uint32_t>(100 + i),
                      0,
                      {}});
    tracks.push_back({std::to_string(2 * i + 1),
                      "video",
                      S::kActive,
                      "u" + std::to_string(i),
                      "v",
                      "c",
                      static_cast<uint32_t>(200 + i),
                      static_cast<uint32_t>(300 + i),
                      {}});
  }
  sdp::LocalTransport lt{"abcd1234",
                         "0123456789abcdefghijklmn",
                         {"sha-256", "AA:BB"},
                         {{"192.0.2.1", 40000, 40000}},
                         "1",
                         1};
  return sdp::write(sdp::createSubscribeOffer(tracks, sdp::Capabilities::defaults(), lt).offer);
}

void BM_SdpParse16Tracks(benchmark::State& state) {
  const std::string text = subscribeOfferText();
  for (auto _ : state) benchmark::DoNotOptimize(sdp::parse(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_SdpParse16Tracks);

void BM_SdpAnswer16Tracks(benchmark::State& state) {
  auto offer = *sdp::parse(subscribeOfferText()).sdp;
  for (auto& m : offer.media) {
    m.direction = sdp::Direction::kSendOnly;
    m.setup = sdp::Setup::kActpass;
  }
  const auto caps = sdp::Capabilities::defaults();
  sdp::LocalTransport lt{"abcd1234",
                         "0123456789abcdefghijklmn",
                         {"sha-256", "AA:BB"},
                         {{"192.0.2.1", 40000, 40000}},
                         "1",
                         1};
  for (auto _ : state) {
    auto a = sdp::createAnswer(offer, caps, lt);
    benchmark::DoNotOptimize(sdp::write(a.answer));
  }
}
BENCHMARK(BM_SdpAnswer16Tracks);

}  // namespace
