// Test harness for sfu/room: a fake MediaTransport/TransportFactory that records what the room
// sends and lets a test inject what a participant would send, a listener recorder, a manual
// clock driving the timer wheel, subscribe answers made by flipping our own offers, and RTP/VP8
// packet builders.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "rtp/rtcp/compound_parser.h"
#include "rtp/rtp/rtp_packet.h"
#include "sfu/net/packet_buffer.h"
#include "sfu/room/participant.h"
#include "sfu/room/room.h"
#include "sfu/sdp/sdp_parser.h"
#include "sfu/sdp/sdp_writer.h"
#include "sfu/transport/media_transport.h"
#include "sfu/worker/clock.h"
#include "sfu/worker/timer_wheel.h"

namespace sfu::room::test {

class FakeTransport : public transport::MediaTransport {
 public:
  struct DataMessage {
    uint16_t stream_id;
    bool binary;
    std::string data;
  };

  FakeTransport(Listener& listener, net::PacketPool& pool, int n)
      : listener_(listener), pool_(pool) {
    local_.ice_ufrag = "uf" + std::to_string(n);
    local_.ice_pwd = "pwd-pwd-pwd-pwd-pwd-pwd-" + std::to_string(n);
    local_.fingerprint = {"sha-256",
                          "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:"
                          "89:AB:CD:EF:01:23:45:67:89"};
    local_.addresses = {{"127.0.0.1", 40000, 40000}};
    local_.session_id = std::to_string(1000 + n);
  }

  const sdp::LocalTransport& local() const override { return local_; }
  void setRemote(const sdp::RemoteTransport& remote) override {
    remote_ = remote;
    ++set_remote_calls;
  }
  bool sendRtp(net::PacketBuffer&& packet) override {
    rtp.emplace_back(packet.data(), packet.data() + packet.size());
    EXPECT_GE(packet.capacity(), packet.size() + transport::kSrtpTailroom);
    return connected_;
  }
  bool sendRtcp(net::PacketBuffer&& packet) override {
    rtcp.emplace_back(packet.data(), packet.data() + packet.size());
    return connected_;
  }
  bool sendDataChannelMessage(uint16_t stream_id, bool binary,
                              std::span<const uint8_t> data) override {
    data_sent.push_back({stream_id, binary, std::string(data.begin(), data.end())});
    return true;
  }
  int openDataChannel(std::string_view label) override {
    if (!connected_) return -1;
    opened.emplace_back(label);
    return next_stream_++;
  }
  bool connected() const override { return connected_; }
  net::PacketPool& pool() override { return pool_; }
  void close() override { closed = true; }
  void countDrop(transport::TransportDrop reason) override { drops.push_back(reason); }
  void countRetransmission() override { ++retransmissions; }

  // Test side.
  void connect() {
    connected_ = true;
    listener_.onTransportConnected(*this);
  }
  void injectRtp(const std::vector<uint8_t>& bytes, int64_t now_us) {
    net::PacketBuffer b = pool_.copy(bytes.data(), bytes.size());
    listener_.onTransportRtp(*this, b, now_us);
  }
  void injectRtcp(std::span<const uint8_t> bytes, int64_t now_us) {
    listener_.onTransportRtcp(*this, bytes, now_us);
  }
  Listener& listener() { return listener_; }
  const std::optional<sdp::RemoteTransport>& remote() const { return remote_; }

  std::vector<std::vector<uint8_t>> rtp;
  std::vector<std::vector<uint8_t>> rtcp;
  std::vector<DataMessage> data_sent;
  std::vector<std::string> opened;
  int set_remote_calls = 0;
  bool closed = false;
  std::vector<transport::TransportDrop> drops;  // what the room counted as dropped
  int retransmissions = 0;

 private:
  Listener& listener_;
  net::PacketPool& pool_;
  sdp::LocalTransport local_;
  std::optional<sdp::RemoteTransport> remote_;
  bool connected_ = false;
  int next_stream_ = 1;
};

class FakeFactory : public transport::TransportFactory {
 public:
  explicit FakeFactory(net::PacketPool& pool) : pool_(pool) {}
  std::unique_ptr<transport::MediaTransport> createTransport(
      transport::MediaTransport::Listener& listener) override {
    return std::make_unique<FakeTransport>(listener, pool_, ++count);
  }
  int count = 0;

 private:
  net::PacketPool& pool_;
};

struct Recorder : Room::Listener {
  void onRoomSubscribeOffer(const std::string& user, const std::string& sdp) override {
    offers[user].push_back(sdp);
  }
  void onRoomParticipantClosed(const std::string& user, const std::string& reason) override {
    closed.emplace_back(user, reason);
  }
  void onRoomActiveSpeaker(const std::string& user) override { speakers.push_back(user); }
  std::map<std::string, std::vector<std::string>> offers;
  std::vector<std::pair<std::string, std::string>> closed;
  std::vector<std::string> speakers;
};

inline std::string readFixture(const std::string& name) {
  std::ifstream in(std::string(SFU_TEST_DATA_DIR) + "/sdp/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The answer a browser would give to our subscribe offer: every codec and extension accepted,
// sendonly → recvonly, setup active, its own ICE credentials.
inline std::string flipOffer(const std::string& offer_sdp, const std::string& ufrag = "cliU") {
  auto parsed = sdp::parse(offer_sdp);
  EXPECT_TRUE(parsed.ok());
  sdp::SessionDescription a = *parsed.sdp;
  a.ice_lite = false;
  a.origin.session_id = "777";
  for (auto& m : a.media) {
    m.ice_ufrag = ufrag;
    m.ice_pwd = "clientpassword0123456789";
    m.fingerprints = {{"sha-256",
                       "10:93:F4:64:41:C5:C2:77:CD:E1:61:75:1A:B5:3C:FE:9F:5B:AA:49:C3:6F:FB:A9:"
                       "E3:B2:2D:A5:3C:1C:5C:0B"}};
    m.setup = sdp::Setup::kActive;
    m.candidates.clear();
    m.ssrcs.clear();
    m.ssrc_groups.clear();
    m.msids.clear();
    if (m.direction == sdp::Direction::kSendOnly) m.direction = sdp::Direction::kRecvOnly;
  }
  return sdp::write(a);
}

// m-lines of an SDP with their msid, for assertions.
struct OfferLine {
  std::string mid;
  std::string kind;
  uint16_t port;
  sdp::Direction direction;
  std::string msid;  // "stream track" or ""
  uint32_t ssrc = 0;
};
inline std::vector<OfferLine> offerLines(const std::string& sdp_text) {
  std::vector<OfferLine> out;
  auto parsed = sdp::parse(sdp_text);
  if (!parsed.ok()) return out;
  for (const auto& m : parsed.sdp->media) {
    OfferLine l{m.mid, m.kind, m.port, m.direction, "", 0};
    if (!m.msids.empty()) l.msid = m.msids[0].stream_id + " " + m.msids[0].track_id;
    if (!m.ssrcs.empty()) l.ssrc = m.ssrcs[0].ssrc;
    out.push_back(l);
  }
  return out;
}

// Ids in tests/data/sdp/chrome_*_offer.sdp.
inline constexpr uint8_t kAudioLevelId = 1;
inline constexpr uint8_t kAbsSendTimeId = 2;
inline constexpr uint8_t kTwccId = 3;
inline constexpr uint8_t kMidId = 4;
inline constexpr uint8_t kRidId = 10;
inline constexpr uint8_t kRepairedRidId = 11;

struct PacketSpec {
  uint8_t pt = 96;
  uint16_t seq = 0;
  uint32_t ts = 0;
  uint32_t ssrc = 0;
  bool marker = false;
  std::string mid;
  std::string rid;
  std::string rrid;
  int twcc = -1;
  int audio_level = -1;    // 0..127 dBov
  int abs_send_time = -1;  // 24 bits
  std::vector<uint8_t> payload = std::vector<uint8_t>(4, 0x01);
  uint8_t padding = 0;
};

inline std::vector<uint8_t> buildRtp(const PacketSpec& s) {
  std::vector<uint8_t> buf(1500);
  rtp::RtpPacketBuilder b(buf);
  b.setPayloadType(s.pt).setSequenceNumber(s.seq).setTimestamp(s.ts).setSsrc(s.ssrc);
  b.setMarker(s.marker);
  std::vector<uint8_t> mid(s.mid.begin(), s.mid.end()), rid(s.rid.begin(), s.rid.end()),
      rrid(s.rrid.begin(), s.rrid.end());
  uint8_t tw[2] = {static_cast<uint8_t>(s.twcc >> 8), static_cast<uint8_t>(s.twcc)};
  uint8_t level[1] = {static_cast<uint8_t>(0x80 | (s.audio_level & 0x7F))};
  uint8_t abs[3] = {static_cast<uint8_t>(s.abs_send_time >> 16),
                    static_cast<uint8_t>(s.abs_send_time >> 8),
                    static_cast<uint8_t>(s.abs_send_time)};
  if (s.audio_level >= 0) b.addExtension(kAudioLevelId, level);
  if (s.abs_send_time >= 0) b.addExtension(kAbsSendTimeId, abs);
  if (s.twcc >= 0) b.addExtension(kTwccId, tw);
  if (!mid.empty()) b.addExtension(kMidId, mid);
  if (!rid.empty()) b.addExtension(kRidId, rid);
  if (!rrid.empty()) b.addExtension(kRepairedRidId, rrid);
  b.setPayload(s.payload).setPaddingSize(s.padding);
  auto r = b.build();
  EXPECT_TRUE(r.ok());
  buf.resize(r->size());
  return buf;
}

// VP8 payload (RFC 7741 §4.2) with I (15-bit picture id), L (TL0PICIDX) and T (TID, Y), and a
// payload header: key frames carry the start code and a 640x360 size.
inline std::vector<uint8_t> vp8Payload(bool keyframe, uint16_t picture_id, uint8_t tl0, uint8_t tid,
                                       bool start = true) {
  std::vector<uint8_t> p = {static_cast<uint8_t>(0x80 | (start ? 0x10 : 0x00)),
                            0xE0,
                            static_cast<uint8_t>(0x80 | ((picture_id >> 8) & 0x7F)),
                            static_cast<uint8_t>(picture_id & 0xFF),
                            tl0,
                            static_cast<uint8_t>((tid << 6) | 0x20)};
  if (keyframe) {
    p.insert(p.end(), {0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01});
  } else {
    p.insert(p.end(), {0x51, 0x02, 0x00, 0xAA, 0xBB});
  }
  return p;
}

struct ParsedRtp {
  uint8_t pt;
  uint16_t seq;
  uint32_t ts;
  uint32_t ssrc;
  std::vector<uint8_t> payload;
  std::vector<uint8_t> bytes;
};
inline ParsedRtp parseRtp(std::vector<uint8_t> bytes) {
  auto r = rtp::RtpPacket::parse(bytes);
  EXPECT_TRUE(r.ok());
  ParsedRtp p{r->payloadType(),
              r->sequenceNumber(),
              r->timestamp(),
              r->ssrc(),
              std::vector<uint8_t>(r->payload().begin(), r->payload().end()),
              bytes};
  return p;
}

// Every RTCP packet (kind, bytes) found in what a fake transport sent.
inline std::vector<std::pair<rtp::rtcp::PacketKind, std::vector<uint8_t>>> rtcpPackets(
    const std::vector<std::vector<uint8_t>>& sent) {
  std::vector<std::pair<rtp::rtcp::PacketKind, std::vector<uint8_t>>> out;
  for (const auto& c : sent) {
    rtp::rtcp::CompoundParser parser(c, rtp::rtcp::PaddingPolicy::kAnyPacket);
    while (!parser.done()) {
      auto p = parser.next();
      EXPECT_TRUE(p.ok());
      if (!p) break;
      out.emplace_back(rtp::rtcp::classify(*p),
                       std::vector<uint8_t>(p->packet.begin(), p->packet.end()));
    }
  }
  return out;
}

class RoomTest : public ::testing::Test {
 protected:
  RoomTest() : wheel_(clock_), factory_(pool_) { make(); }

  void make(size_t max_participants = 8) {
    room_.reset();
    ctx_ = std::make_unique<RoomContext>(
        RoomContext{clock_, wheel_, factory_, caps_, max_participants, 0, RoomConfig{}});
    room_ = std::make_unique<Room>("room1", *ctx_, rec_);
  }

  int64_t now() const { return clock_.nowUs(); }
  // Advances time in timer-wheel ticks so periodic work runs as it would on a worker.
  void advanceMs(int64_t ms) {
    for (int64_t t = 0; t < ms; t += 10) {
      clock_.advanceMs(std::min<int64_t>(10, ms - t));
      wheel_.advance();
    }
  }

  SdpResult join(const std::string& user, const std::string& fixture = "chrome_simulcast_offer.sdp",
                 const std::vector<TrackSource>& tracks = {}) {
    return room_->publish(user, readFixture(fixture), tracks);
  }
  // Answers the latest subscribe offer of the user (flipped) and connects its transports.
  SdpResult answer(const std::string& user) {
    const auto& offers = rec_.offers[user];
    EXPECT_FALSE(offers.empty());
    return room_->subscribeAnswer(user, flipOffer(offers.back()));
  }
  Participant& participant(const std::string& user) {
    Participant* p = room_->find(user);
    EXPECT_NE(p, nullptr);
    return *p;
  }
  FakeTransport& pub(const std::string& user) {
    return static_cast<FakeTransport&>(*participant(user).publishTransport());
  }
  FakeTransport& sub(const std::string& user) {
    return static_cast<FakeTransport&>(*participant(user).subscribeTransport());
  }
  void connect(const std::string& user) {
    pub(user).connect();
    sub(user).connect();
  }
  // Joins, answers and connects.
  void ready(const std::string& user, const std::string& fixture = "chrome_simulcast_offer.sdp") {
    ASSERT_TRUE(join(user, fixture).ok);
    ASSERT_TRUE(answer(user).ok);
    connect(user);
  }
  // Answers whatever is outstanding for everyone (repeats for follow-up offers).
  void settle() {
    for (int round = 0; round < 4; ++round) {
      for (auto& [user, offers] : rec_.offers) {
        Participant* p = room_->find(user);
        if (p != nullptr && p->subscribeOfferOutstanding()) {
          ASSERT_TRUE(room_->subscribeAnswer(user, flipOffer(offers.back())).ok);
        }
      }
    }
  }

  worker::ManualClock clock_{1'000'000'000};
  worker::TimerWheel wheel_;
  net::PacketPool pool_{4096};
  FakeFactory factory_;
  sdp::Capabilities caps_ = sdp::Capabilities::defaults();
  Recorder rec_;
  std::unique_ptr<RoomContext> ctx_;
  std::unique_ptr<Room> room_;
};

}  // namespace sfu::room::test
