// In-process fan-out through a Room: one publisher's VP8 stream forwarded to 7 subscribers, with
// the real per-subscriber work (copy into a pooled buffer, seq/ts/pt/extension rewrite, VP8
// picture id rewrite, sent-packet log; one insert per packet into the layer's shared NACK store)
// and SRTP protect (AEAD_AES_128_GCM, our EVP backend)
// in the fake transport's sendRtp, as the real transport does it. Reports forwarded packets per
// second on this one core and heap allocations per forwarded packet, counted by the malloc
// counter of alloc_counter.h (C allocations in libraries such as NSS included; operator new goes
// through malloc). 0 in steady state: the forwarding path must not allocate.
#include <benchmark/benchmark.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "alloc_counter.h"
#include "rtp/common/byte_io.h"
#include "rtp/rtp/rtp_packet.h"
#include "sfu/room/participant.h"
#include "sfu/room/room.h"
#include "sfu/sdp/sdp_parser.h"
#include "sfu/sdp/sdp_writer.h"
#include "sfu/srtp/srtp_session.h"

namespace {

using sfu::srtp::SrtpProfile;
using sfu::srtp::SrtpSession;

constexpr uint32_t kVideoSsrc = 1894558276;  // chrome_plain_offer.sdp camera
constexpr size_t kPayload = 1100;

std::string readOffer() {
  std::ifstream in(std::string(SFU_TEST_DATA_DIR) + "/sdp/chrome_plain_offer.sdp");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class SrtpTransport final : public sfu::transport::MediaTransport {
 public:
  SrtpTransport(Listener& listener, sfu::net::PacketPool& pool, int n, bool libsrtp)
      : listener_(listener), pool_(pool) {
    local_.ice_ufrag = "bench" + std::to_string(n);
    local_.ice_pwd = "benchpasswordbenchpassword";
    local_.fingerprint = {"sha-256", "AB:CD"};
    local_.addresses = {{"127.0.0.1", 40000, 0}};
    auto info = sfu::srtp::srtpProfileInfo(SrtpProfile::kAeadAes128Gcm);
    std::vector<uint8_t> key(info.keyLength + info.saltLength);
    for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 7 + n);
    SrtpSession::Options options;
    options.libsrtpForGcm = libsrtp;
    srtp_ = SrtpSession::create(sfu::srtp::SrtpDirection::kOutbound, SrtpProfile::kAeadAes128Gcm,
                                key, options);
  }
  const sfu::sdp::LocalTransport& local() const override { return local_; }
  void setRemote(const sfu::sdp::RemoteTransport&) override {}
  bool sendRtp(sfu::net::PacketBuffer&& packet) override {
    size_t len = packet.size();
    if (srtp_->protectRtp({packet.data(), packet.capacity()}, len) != sfu::srtp::SrtpResult::kOk) {
      ++failed;
      return false;
    }
    ++rtp_sent;
    benchmark::DoNotOptimize(packet.data());
    return true;  // the buffer returns to the pool here, as after sendmmsg
  }
  bool sendRtcp(sfu::net::PacketBuffer&& packet) override {
    size_t len = packet.size();
    return srtp_->protectRtcp({packet.data(), packet.capacity()}, len) ==
           sfu::srtp::SrtpResult::kOk;
  }
  bool sendDataChannelMessage(uint16_t, bool, std::span<const uint8_t>) override { return true; }
  int openDataChannel(std::string_view) override { return 1; }
  bool connected() const override { return true; }
  sfu::net::PacketPool& pool() override { return pool_; }
  void close() override {}
  Listener& listener() { return listener_; }

  uint64_t rtp_sent = 0;
  uint64_t failed = 0;

 private:
  Listener& listener_;
  sfu::net::PacketPool& pool_;
  sfu::sdp::LocalTransport local_;
  std::unique_ptr<SrtpSession> srtp_;
};

class Factory final : public sfu::transport::TransportFactory {
 public:
  Factory(sfu::net::PacketPool& pool, bool libsrtp) : pool_(pool), libsrtp_(libsrtp) {}
  std::unique_ptr<sfu::transport::MediaTransport> createTransport(
      sfu::transport::MediaTransport::Listener& listener) override {
    auto t = std::make_unique<SrtpTransport>(listener, pool_, ++n_, libsrtp_);
    all.push_back(t.get());
    return t;
  }
  std::vector<SrtpTransport*> all;

 private:
  sfu::net::PacketPool& pool_;
  bool libsrtp_;
  int n_ = 0;
};

struct Offers : sfu::room::Room::Listener {
  void onRoomSubscribeOffer(const std::string& user, const std::string& sdp) override {
    latest[user] = sdp;
  }
  void onRoomParticipantClosed(const std::string&, const std::string&) override {}
  void onRoomActiveSpeaker(const std::string&) override {}
  std::map<std::string, std::string> latest;
};

std::string flip(const std::string& offer_sdp) {
  auto a = *sfu::sdp::parse(offer_sdp).sdp;
  a.ice_lite = false;
  for (auto& m : a.media) {
    m.ice_ufrag = "cli";
    m.ice_pwd = "clientpasswordclientpassword";
    m.fingerprints = {{"sha-256", "10:93"}};
    m.setup = sfu::sdp::Setup::kActive;
    m.candidates.clear();
    m.ssrcs.clear();
    m.ssrc_groups.clear();
    m.msids.clear();
    if (m.direction == sfu::sdp::Direction::kSendOnly) m.direction = sfu::sdp::Direction::kRecvOnly;
  }
  return sfu::sdp::write(a);
}

void BM_FanOut1To7(benchmark::State& state) {
  SrtpSession::initLibrary();
  sfu::worker::ManualClock clock(1'000'000'000);
  sfu::worker::TimerWheel wheel(clock);
  sfu::net::PacketPool pool(4096);
  // Arg 0: GCM on our EVP backend (what the server runs); 1: on libsrtp2/NSS (the old path).
  Factory factory(pool, state.range(0) == 1);
  auto caps = sfu::sdp::Capabilities::defaults();
  sfu::room::RoomContext ctx{clock, wheel, factory, caps};
  Offers offers;
  sfu::room::Room room("bench", ctx, offers);
  const std::string offer = readOffer();
  for (int i = 0; i < 8; ++i) {
    if (!room.publish("user" + std::to_string(i), offer, {}).ok) {
      state.SkipWithError("publish failed");
      return;
    }
  }
  for (int round = 0; round < 3; ++round) {
    for (auto& [user, sdp] : offers.latest) {
      auto* p = room.find(user);
      if (p->subscribeOfferOutstanding()) (void)room.subscribeAnswer(user, flip(sdp));
    }
  }
  for (auto* t : factory.all) t->listener().onTransportConnected(*t);
  auto* publisher = static_cast<SrtpTransport*>(room.find("user0")->publishTransport());

  // Chrome-like VP8 packet: mid + transport-cc extensions, 1100-byte payload.
  std::vector<uint8_t> templ(1500);
  std::vector<uint8_t> payload(kPayload, 0x5A);
  const uint8_t key_header[] = {0x90, 0x80, 0x80, 0x01, 0x50, 0x02, 0x00,
                                0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01};
  const uint8_t delta_header[] = {0x90, 0x80, 0x80, 0x01, 0x51, 0x02, 0x00};
  const uint8_t twcc[2] = {0, 0};
  const uint8_t mid[1] = {'1'};
  auto build = [&](bool key) {
    std::copy(std::begin(key_header), std::end(key_header), payload.begin());
    if (!key) std::copy(std::begin(delta_header), std::end(delta_header), payload.begin());
    auto r = rtp::RtpPacketBuilder(templ)
                 .setPayloadType(96)
                 .setSsrc(kVideoSsrc)
                 .addExtension(3, twcc)
                 .addExtension(4, mid)
                 .setPayload(payload)
                 .build();
    return r->size();
  };
  size_t size = build(true);
  uint16_t seq = 1;
  uint32_t ts = 0;
  uint16_t twcc_seq = 1;
  uint16_t picture = 1;
  auto inject = [&] {
    rtp::store16(&templ[2], seq++);
    rtp::store32(&templ[4], ts);
    ts += 3000;
    // transport-cc value sits after the 4-byte extension header and its element header
    rtp::store16(&templ[12 + 4 + 1], twcc_seq++);
    const size_t payload_at = size - kPayload;
    templ[payload_at + 2] = static_cast<uint8_t>(0x80 | ((picture >> 8) & 0x7F));
    templ[payload_at + 3] = static_cast<uint8_t>(picture++);
    sfu::net::PacketBuffer b = pool.copy(templ.data(), size);
    publisher->listener().onTransportRtp(*publisher, b, clock.nowUs());
    clock.advanceUs(1000);
    if (seq % 10 == 0) wheel.advance();
  };
  // Warm-up: first key frame, libsrtp's per-SSRC streams, first reports.
  inject();
  size = build(false);
  for (int i = 0; i < 3000; ++i) inject();

  uint64_t sent_before = 0;
  for (auto* t : factory.all) sent_before += t->rtp_sent;
  const uint64_t allocs_before = bench::heapAllocations();
  uint64_t packets = 0;
  for (auto _ : state) {
    inject();
    ++packets;
  }
  const uint64_t allocs = bench::heapAllocations() - allocs_before;
  uint64_t sent = 0;
  for (auto* t : factory.all) sent += t->rtp_sent;
  sent -= sent_before;
  state.SetItemsProcessed(static_cast<int64_t>(sent));
  state.counters["fanout"] = packets ? static_cast<double>(sent) / packets : 0;
  state.counters["allocs_per_fwd_pkt"] = sent ? static_cast<double>(allocs) / sent : 0;
  state.counters["fwd_pkts_per_s"] =
      benchmark::Counter(static_cast<double>(sent), benchmark::Counter::kIsRate);
  if (sent != packets * 7) state.SkipWithError("not every packet reached all 7 subscribers");
}
BENCHMARK(BM_FanOut1To7)->ArgName("libsrtp")->Arg(0)->Arg(1);

}  // namespace
