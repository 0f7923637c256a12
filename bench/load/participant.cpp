#include "bench/load/participant.h"

#include <fmt/format.h>

#include <cstring>
#include <random>

#include "bench/relay-baseline/relay_keys.h"
#include "rtp/common/byte_io.h"
#include "rtp/rtcp/common_header.h"
#include "rtp/rtcp/compound_builder.h"
#include "rtp/rtcp/compound_parser.h"
#include "rtp/rtcp/fir.h"
#include "rtp/rtcp/nack.h"
#include "rtp/rtcp/ntp_time.h"
#include "rtp/rtcp/pli.h"
#include "rtp/rtcp/receiver_report.h"
#include "rtp/rtcp/sdes.h"
#include "rtp/rtcp/sender_report.h"
#include "rtp/rtp/rtp_packet.h"
#include "sfu/sdp/sdp_parser.h"
#include "sfu/sdp/sdp_writer.h"

namespace bench::load {

namespace {

constexpr uint8_t kAudioPt = 111;
constexpr uint8_t kVideoPt = 96;
constexpr uint8_t kMidExtId = 4;  // the ids Chrome uses
constexpr uint8_t kRidExtId = 10;
constexpr int64_t kAudioIntervalNs = 20'000'000;
constexpr size_t kAudioPayload = 80;  // ~32 kbit/s Opus
constexpr size_t kMaxVideoPayload = 1100;
constexpr int64_t kReportIntervalNs = 1'000'000'000;
constexpr std::array<const char*, 3> kRids = {"q", "h", "f"};
constexpr std::array<uint16_t, 3> kWidths = {320, 640, 1280};
constexpr std::array<uint16_t, 3> kHeights = {180, 360, 720};

uint32_t randomSsrc(std::mt19937& rng) { return static_cast<uint32_t>(rng()) | 1u; }

// A participant's offset within [0, interval_ns) for one media clock (salt: 0 audio, 1 video):
// uniformly spread and the same in every run.
int64_t mediaPhase(uint32_t index, uint32_t salt, int64_t interval_ns) {
  // splitmix64's finaliser: consecutive indices land far apart.
  uint64_t z = (uint64_t{index} << 1 | salt) + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<int64_t>(z % static_cast<uint64_t>(interval_ns));
}

// The first instant at or after now_ns on the grid epoch_ns + phase_ns + k × interval_ns.
int64_t nextOnGrid(int64_t now_ns, int64_t epoch_ns, int64_t phase_ns, int64_t interval_ns) {
  const int64_t since = now_ns - epoch_ns - phase_ns;
  if (since <= 0) return now_ns - since;
  const int64_t rest = since % interval_ns;
  return rest == 0 ? now_ns : now_ns + (interval_ns - rest);
}

int64_t unixUsNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

class Participant::PublishHandler : public PeerHandler {
 public:
  explicit PublishHandler(Participant& p) : p_(p) {}
  void onRtp(uint8_t*, size_t, int64_t) override {}
  void onRtcp(const uint8_t* data, size_t size, int64_t now_ns) override {
    p_.onPublishRtcp(data, size, now_ns);
  }

 private:
  Participant& p_;
};

class Participant::SubscribeHandler : public PeerHandler {
 public:
  explicit SubscribeHandler(Participant& p) : p_(p) {}
  void onRtp(uint8_t* data, size_t size, int64_t now_ns) override {
    p_.onSubscribeRtp(data, size, now_ns);
  }
  void onRtcp(const uint8_t*, size_t, int64_t) override {}  // SRs of forwarded streams

 private:
  Participant& p_;
};

Participant::Participant(const ParticipantConfig& config,
                         std::shared_ptr<sfu::dtls::DtlsContext> context, LoadStats& stats)
    : config_(config), stats_(stats) {
  pubHandler_ = std::make_unique<PublishHandler>(*this);
  subHandler_ = std::make_unique<SubscribeHandler>(*this);
  pub_ = std::make_unique<ClientPeer>(context, *pubHandler_, config_.bind_ip);
  sub_ = std::make_unique<ClientPeer>(context, *subHandler_, config_.bind_ip);
  std::mt19937 rng(std::random_device{}() ^ config_.index);
  audioSsrc_ = randomSsrc(rng);
  rtcpSsrc_ = randomSsrc(rng);
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& layer = layers_[i];
    layer.ssrc = randomSsrc(rng);
    layer.seq = static_cast<uint16_t>(rng());
    layer.picture_id = static_cast<uint16_t>(rng() & 0x7FFF);
    layer.bps = config_.layer_bps[i];
    layer.width = kWidths[i];
    layer.height = kHeights[i];
    layer.history =
        std::make_unique<std::array<std::array<uint8_t, kPacketCapacity>, Layer::kHistory>>();
  }
  audioSeq_ = static_cast<uint16_t>(rng());
  if (config_.relay) {
    audioSsrc_ = relay::ssrcOf(config_.index, 1);
    for (size_t i = 0; i < layers_.size(); ++i) {
      layers_[i].ssrc = relay::ssrcOf(config_.index, static_cast<uint32_t>(2 + i));
    }
  }
}

void Participant::setRelay(const sfu::net::Endpoint& relay) {
  std::lock_guard lock(remoteMutex_);
  pendingRelay_ = relay;
  remotePending_.store(true);
}

Participant::~Participant() = default;

std::string Participant::publishOffer(const std::string& fingerprint_attr) const {
  const std::string& u = pub_->localUfrag();
  const std::string& pw = pub_->localPwd();
  const std::string& user = config_.user_id;
  std::string transport = fmt::format(
      "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:{}\r\na=ice-pwd:{}\r\n"
      "a=ice-options:trickle\r\na=fingerprint:{}\r\na=setup:actpass\r\n"
      "a=candidate:1 1 udp 2122260223 {} {} typ host\r\na=end-of-candidates\r\n",
      u, pw, fingerprint_attr, config_.bind_ip, pub_->localPort());
  std::string sdp = fmt::format(
      "v=0\r\no=- {} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0{}\r\n"
      "a=extmap-allow-mixed\r\na=msid-semantic: WMS {}\r\n",
      1000 + config_.index, config_.video ? " 1" : "", user);
  sdp += "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" + transport;
  sdp += fmt::format(
      "a=mid:0\r\na=extmap:{} urn:ietf:params:rtp-hdrext:sdes:mid\r\na=sendonly\r\n"
      "a=msid:{} a-{}\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
      "a=fmtp:111 minptime=10;useinbandfec=1\r\na=ssrc:{} cname:{}\r\n",
      kMidExtId, user, user, audioSsrc_, user);
  if (config_.video) {
    sdp += "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n" + transport;
    sdp += fmt::format(
        "a=mid:1\r\na=extmap:{} urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
        "a=extmap:{} urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\na=sendonly\r\n"
        "a=msid:{} v-{}\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:96 VP8/90000\r\n"
        "a=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n",
        kMidExtId, kRidExtId, user, user);
    sdp += config_.rids_high_first
               ? "a=rid:f send\r\na=rid:h send\r\na=rid:q send\r\na=simulcast:send f;h;q\r\n"
               : "a=rid:q send\r\na=rid:h send\r\na=rid:f send\r\na=simulcast:send q;h;f\r\n";
  }
  return sdp;
}

std::optional<std::string> Participant::subscribeAnswer(const std::string& offer_sdp,
                                                        const std::string& fingerprint_attr) const {
  auto parsed = sfu::sdp::parse(offer_sdp);
  if (!parsed.ok()) return std::nullopt;
  sfu::sdp::SessionDescription sdp = *parsed.sdp;
  const auto space = fingerprint_attr.find(' ');
  sdp.origin.session_id = std::to_string(2000 + config_.index);
  sdp.ice_lite = false;
  sdp.ice_ufrag.clear();
  sdp.ice_pwd.clear();
  sdp.fingerprints.clear();
  sdp.setup = sfu::sdp::Setup::kUnspecified;
  sdp.msid_semantic.reset();
  for (auto& m : sdp.media) {
    m.ice_ufrag = sub_->localUfrag();
    m.ice_pwd = sub_->localPwd();
    m.ice_options.clear();
    m.fingerprints = {{fingerprint_attr.substr(0, space), fingerprint_attr.substr(space + 1)}};
    m.setup = sfu::sdp::Setup::kActive;
    sfu::sdp::Candidate local;
    local.foundation = "1";
    local.transport = "udp";
    local.priority = 2122260223;
    local.address = config_.bind_ip;
    local.port = sub_->localPort();
    local.type = "host";
    m.candidates = {local};
    m.end_of_candidates = true;
    m.msids.clear();
    m.ssrcs.clear();
    m.ssrc_groups.clear();
    m.direction = sfu::sdp::reverse(m.direction);
    // No transport-cc: like a browser without a bandwidth estimate the server sends every layer.
    std::erase_if(m.extmaps, [](const sfu::sdp::Extmap& e) {
      return e.uri.find("transport-wide-cc") != std::string::npos;
    });
    for (auto& c : m.codecs) {
      std::erase_if(c.rtcp_fb, [](const std::string& fb) { return fb == "transport-cc"; });
    }
  }
  return sfu::sdp::write(sdp);
}

std::optional<RemoteTransport> Participant::remoteFromSdp(const std::string& text) {
  auto parsed = sfu::sdp::parse(text);
  if (!parsed.ok() || parsed.sdp->media.empty()) return std::nullopt;
  const auto& sdp = *parsed.sdp;
  const auto& m = sdp.media.front();
  RemoteTransport remote;
  remote.ufrag = std::string(sdp.iceUfrag(m));
  remote.pwd = std::string(sdp.icePwd(m));
  const auto& fps = sdp.fingerprintsOf(m);
  if (fps.empty()) return std::nullopt;
  auto fp = sfu::dtls::Fingerprint::parse(fps.front().algorithm, fps.front().value);
  if (!fp) return std::nullopt;
  remote.fingerprint = *fp;
  remote.remote_dtls_client = sdp.setupOf(m) == sfu::sdp::Setup::kActive;
  for (const auto& c : m.candidates) {
    if (c.isTcp()) continue;
    auto ep = sfu::net::Endpoint::parse(c.address + ":" + std::to_string(c.port));
    if (ep && ep->isV4()) {
      remote.candidate = *ep;
      break;
    }
  }
  if (!remote.candidate.valid()) return std::nullopt;
  return remote;
}

void Participant::setPublishRemote(const RemoteTransport& remote) {
  std::lock_guard lock(remoteMutex_);
  pendingPub_ = remote;
  remotePending_.store(true);
}

void Participant::setSubscribeRemote(const RemoteTransport& remote) {
  std::lock_guard lock(remoteMutex_);
  pendingSub_ = remote;
  remotePending_.store(true);
}

void Participant::pickUpRemotes(int64_t now_ns) {
  if (!remotePending_.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(remoteMutex_);
  remotePending_.store(false);
  if (pendingPub_ && !pub_->started()) pub_->start(*pendingPub_, now_ns);
  if (pendingSub_ && !sub_->started()) sub_->start(*pendingSub_, now_ns);
  if (pendingRelay_) {
    auto hello = [&](uint8_t kind) {
      std::array<uint8_t, relay::kHelloSize> h{'R', 'B', 'H', kind};
      rtp::store32(h.data() + 4, config_.index);
      rtp::store32(h.data() + 8, config_.room);
      return h;
    };
    const auto pubHello = hello(relay::kKindPublish);
    const auto subHello = hello(relay::kKindSubscribe);
    const auto pubKey = relay::keyFor(config_.index, relay::kKindPublish);
    const auto subKey = relay::keyFor(config_.index, relay::kKindSubscribe);
    pub_->startDirect(*pendingRelay_, pubHello, pubKey, pubKey, now_ns);
    sub_->startDirect(*pendingRelay_, subHello, subKey, subKey, now_ns);
  }
  pendingPub_.reset();
  pendingSub_.reset();
  pendingRelay_.reset();
}

int64_t Participant::phaseOf(uint32_t salt, int64_t interval_ns) const {
  return config_.aligned_media ? 0 : mediaPhase(config_.index, salt, interval_ns);
}

void Participant::writeTag(uint8_t* end, int64_t now_ns) const {
  uint8_t* tag = end - kTagSize;
  rtp::store32(tag, kTagMagic);
  rtp::store32(tag + 4, config_.index);
  rtp::store32(tag + 8, static_cast<uint32_t>(static_cast<uint64_t>(now_ns) >> 32));
  rtp::store32(tag + 12, static_cast<uint32_t>(now_ns));
}

void Participant::tick(int64_t now_ns) {
  pickUpRemotes(now_ns);
  pub_->tick(now_ns);
  sub_->tick(now_ns);
  if (!pub_->ready()) return;
  if (startNs_ == 0) {
    startNs_ = now_ns;
    publishReady_.store(true);
    nextAudioNs_ =
        nextOnGrid(now_ns, config_.epoch_ns, phaseOf(0, kAudioIntervalNs), kAudioIntervalNs);
    nextReportNs_ = now_ns + kReportIntervalNs;
    const int64_t frameNs = 1'000'000'000 / config_.fps;
    // A browser encodes its simulcast layers from the same captured frame: one phase for all.
    const int64_t firstFrameNs = nextOnGrid(now_ns, config_.epoch_ns, phaseOf(1, frameNs), frameNs);
    for (auto& layer : layers_) {
      layer.next_frame_ns = firstFrameNs;
      layer.next_key_ns = now_ns + static_cast<int64_t>(config_.keyframe_interval_ms) * 1'000'000;
    }
  }
  // More than 200 ms behind: the machine is saturated; skip ahead instead of bursting.
  constexpr int64_t kMaxLagNs = 200'000'000;
  if (now_ns - nextAudioNs_ > kMaxLagNs) {
    ++stats_.lateTicks;
    nextAudioNs_ = now_ns;
  }
  while (nextAudioNs_ <= now_ns) {
    sendAudio(now_ns);
    nextAudioNs_ += kAudioIntervalNs;
  }
  if (config_.video) {
    const int64_t frameNs = 1'000'000'000 / config_.fps;
    for (size_t i = 0; i < layers_.size(); ++i) {
      Layer& layer = layers_[i];
      if (now_ns - layer.next_frame_ns > kMaxLagNs) layer.next_frame_ns = now_ns;
      while (layer.next_frame_ns <= now_ns) {
        sendFrame(layer, i, now_ns);
        layer.next_frame_ns += frameNs;
      }
    }
  }
  if (now_ns >= nextReportNs_) {
    sendReports(now_ns);
    nextReportNs_ += kReportIntervalNs;
  }
  pub_->flush();
  sub_->flush();
}

void Participant::sendAudio(int64_t now_ns) {
  std::array<uint8_t, kPacketCapacity> buf;
  std::array<uint8_t, kAudioPayload> payload{};
  payload[0] = 0x78;  // an Opus TOC byte (SILK/CELT 20 ms): any value is fine for the SFU
  writeTag(payload.data() + payload.size(), now_ns);
  static constexpr uint8_t kMid0[] = {'0'};
  auto built = rtp::RtpPacketBuilder(buf)
                   .setPayloadType(kAudioPt)
                   .setSequenceNumber(audioSeq_++)
                   .setTimestamp(audioTs_)
                   .setSsrc(audioSsrc_)
                   .addExtension(kMidExtId, kMid0)
                   .setPayload(payload)
                   .build();
  audioTs_ += 960;
  if (!built) return;
  if (pub_->sendRtp(built->data(), built->size())) {
    ++audioPackets_;
    audioOctets_ += payload.size();
    ++stats_.rtpSent;
    stats_.bytesSent += built->size();
  }
}

void Participant::sendFrame(Layer& layer, size_t layer_index, int64_t now_ns) {
  bool key = layer.key_requested || now_ns >= layer.next_key_ns;
  if (key) {
    layer.key_requested = false;
    layer.next_key_ns = now_ns + static_cast<int64_t>(config_.keyframe_interval_ms) * 1'000'000;
    ++stats_.keyframesSent;
  }
  size_t frameBytes = layer.bps / 8 / config_.fps;
  if (key) frameBytes *= 3;
  const size_t packets = (frameBytes + kMaxVideoPayload - 1) / kMaxVideoPayload;
  // Split like libwebrtc's packetizer (RtpPacketizer::SplitAboutEqually): sizes differ by at most
  // one byte, the last (frameBytes % packets) are the larger ones (1041, 1041, 1042, ...).
  const size_t perPacket = frameBytes / packets;
  const size_t firstLarger = packets - frameBytes % packets;
  const uint32_t ts = static_cast<uint32_t>((now_ns - startNs_) / 1000 * 90 / 1000);
  const uint16_t pictureId = layer.picture_id;
  layer.picture_id = (layer.picture_id + 1) & 0x7FFF;
  const uint8_t mid[] = {'1'};
  const uint8_t rid[] = {static_cast<uint8_t>(kRids[layer_index][0])};
  std::array<uint8_t, kMaxVideoPayload + 32> payload{};
  for (size_t i = 0; i < packets; ++i) {
    const size_t size = std::max(perPacket + (i >= firstLarger ? 1 : 0), kTagSize + 16);
    // RFC 7741 §4.2: X=1, S on the first packet, PID 0; I=1 with a 15-bit picture id (M=1).
    payload[0] = static_cast<uint8_t>(0x80 | (i == 0 ? 0x10 : 0));
    payload[1] = 0x80;
    payload[2] = static_cast<uint8_t>(0x80 | (pictureId >> 8));
    payload[3] = static_cast<uint8_t>(pictureId);
    if (i == 0) {
      // §4.3 payload header: P=0 for key frames; show_frame=1.
      payload[4] = key ? 0x10 : 0x11;
      payload[5] = 0x02;
      payload[6] = 0x00;
      if (key) {  // key frame start code and dimensions (RFC 6386 §9.1)
        payload[7] = 0x9d;
        payload[8] = 0x01;
        payload[9] = 0x2a;
        payload[10] = static_cast<uint8_t>(layer.width);
        payload[11] = static_cast<uint8_t>(layer.width >> 8);
        payload[12] = static_cast<uint8_t>(layer.height);
        payload[13] = static_cast<uint8_t>(layer.height >> 8);
      }
    }
    writeTag(payload.data() + size, now_ns);
    const uint16_t seq = layer.seq++;
    auto& slot = (*layer.history)[seq % Layer::kHistory];
    auto built = rtp::RtpPacketBuilder(slot)
                     .setMarker(i + 1 == packets)
                     .setPayloadType(kVideoPt)
                     .setSequenceNumber(seq)
                     .setTimestamp(ts)
                     .setSsrc(layer.ssrc)
                     .addExtension(kMidExtId, mid)
                     .addExtension(kRidExtId, rid)
                     .setPayload({payload.data(), size})
                     .build();
    if (!built) continue;
    layer.history_len[seq % Layer::kHistory] = static_cast<uint16_t>(built->size());
    layer.history_seq[seq % Layer::kHistory] = seq;
    if (pub_->sendRtp(built->data(), built->size())) {
      ++layer.packets;
      layer.octets += size;
      ++stats_.rtpSent;
      stats_.bytesSent += built->size();
    }
  }
}

void Participant::retransmit(uint32_t ssrc, uint16_t seq) {
  for (auto& layer : layers_) {
    if (layer.ssrc != ssrc) continue;
    const size_t i = seq % Layer::kHistory;
    if (layer.history_seq[i] != seq || layer.history_len[i] == 0) return;
    if (pub_->sendRtp((*layer.history)[i].data(), layer.history_len[i])) ++stats_.retransmitted;
    return;
  }
}

void Participant::onPublishRtcp(const uint8_t* data, size_t size, int64_t) {
  rtp::rtcp::CompoundParser parser({data, size});
  while (!parser.done()) {
    auto packet = parser.next();
    if (!packet) break;
    switch (rtp::rtcp::classify(*packet)) {
      case rtp::rtcp::PacketKind::kNack:
        if (auto nack = rtp::rtcp::NackView::parse(*packet)) {
          ++stats_.nacksReceived;
          nack->forEachLost([&](uint16_t seq) { retransmit(nack->mediaSsrc(), seq); });
        }
        break;
      case rtp::rtcp::PacketKind::kPli:
        if (auto pli = rtp::rtcp::PliView::parse(*packet)) {
          ++stats_.plisReceived;
          for (auto& layer : layers_) {
            if (layer.ssrc == pli->mediaSsrc()) layer.key_requested = true;
          }
        }
        break;
      case rtp::rtcp::PacketKind::kFir:
        ++stats_.plisReceived;
        for (auto& layer : layers_) layer.key_requested = true;
        break;
      default:
        break;
    }
  }
}

void Participant::onSubscribeRtp(uint8_t* data, size_t size, int64_t now_ns) {
  auto parsed = rtp::RtpPacket::parse(data, size, size);
  if (!parsed) return;
  const rtp::RtpPacket& p = *parsed;
  auto payload = p.payload();
  if (payload.size() < kTagSize) return;
  const uint8_t* tag = payload.data() + payload.size() - kTagSize;
  if (rtp::load32(tag) != kTagMagic) return;  // padding-only probes
  const int64_t sent =
      static_cast<int64_t>((uint64_t{rtp::load32(tag + 8)} << 32) | rtp::load32(tag + 12));
  if (firstForwardNs_.load(std::memory_order_relaxed) == 0) firstForwardNs_.store(now_ns);
  stats_.addLatency(now_ns - sent);
  ++stats_.rtpReceived;
  stats_.bytesReceived += size;
  if (p.payloadType() == kAudioPt || payload.size() <= kAudioPayload) {
    ++stats_.audioReceived;
  } else {
    ++stats_.videoReceived;
  }
  RecvStream* stream = nullptr;
  for (size_t i = 0; i < subStreamCount_; ++i) {
    if (subStreams_[i].ssrc == p.ssrc()) {
      stream = &subStreams_[i];
      break;
    }
  }
  if (!stream) {
    if (subStreamCount_ == subStreams_.size()) return;
    stream = &subStreams_[subStreamCount_++];
    stream->ssrc = p.ssrc();
  }
  const uint16_t seq = p.sequenceNumber();
  if (!stream->started) {
    stream->started = true;
    stream->first = stream->highest = seq;
    stream->last = seq;
  } else {
    const int16_t delta = static_cast<int16_t>(seq - stream->last);
    if (delta > 0) {
      stream->highest += delta;
      stream->last = seq;
    }
  }
  ++stream->received;
}

void Participant::resetWindow() {
  for (size_t i = 0; i < subStreamCount_; ++i) {
    subStreams_[i].started = false;
    subStreams_[i].received = 0;
  }
}

uint64_t Participant::expectedPackets() const {
  uint64_t n = 0;
  for (size_t i = 0; i < subStreamCount_; ++i) {
    if (subStreams_[i].started) n += subStreams_[i].highest - subStreams_[i].first + 1;
  }
  return n;
}

uint64_t Participant::receivedPackets() const {
  uint64_t n = 0;
  for (size_t i = 0; i < subStreamCount_; ++i) n += subStreams_[i].received;
  return n;
}

int64_t Participant::joinTimeNs() const {
  const int64_t first = firstForwardNs_.load();
  const int64_t offer = offerSentNs_.load();
  return first == 0 || offer == 0 ? -1 : first - offer;
}

void Participant::sendReports(int64_t) {
  std::array<uint8_t, 1200> buf;
  const uint64_t ntp = rtp::rtcp::ntpFromUnixUs(unixUsNow());
  if (pub_->ready()) {
    // One compound per SSRC: SR + SDES CNAME (RFC 3550 §6.1).
    auto sendSr = [&](uint32_t ssrc, uint32_t rtpTs, uint64_t packets, uint64_t octets) {
      rtp::rtcp::CompoundBuilder builder(buf);
      builder.add(rtp::rtcp::SenderReport{
          ssrc, ntp, rtpTs, static_cast<uint32_t>(packets), static_cast<uint32_t>(octets), {}, {}});
      builder.add(rtp::rtcp::CnameSdes{ssrc, config_.user_id});
      pub_->sendRtcp(builder.bytes().data(), builder.size());
    };
    sendSr(audioSsrc_, audioTs_, audioPackets_, audioOctets_);
    if (config_.video) {
      for (auto& layer : layers_) sendSr(layer.ssrc, 0, layer.packets, layer.octets);
    }
  }
  if (sub_->ready() && subStreamCount_ > 0) {
    std::array<rtp::rtcp::ReportBlock, 31> blocks{};
    const size_t n = std::min(subStreamCount_, blocks.size());
    for (size_t i = 0; i < n; ++i) {
      const RecvStream& s = subStreams_[i];
      blocks[i].ssrc = s.ssrc;
      blocks[i].extended_highest_seq = static_cast<uint32_t>(s.highest);
      const int64_t expected = s.started ? s.highest - s.first + 1 : 0;
      blocks[i].cumulative_lost = static_cast<int32_t>(expected - static_cast<int64_t>(s.received));
    }
    rtp::rtcp::CompoundBuilder builder(buf);
    builder.add(rtp::rtcp::ReceiverReport{rtcpSsrc_, {blocks.data(), n}, {}});
    builder.add(rtp::rtcp::CnameSdes{rtcpSsrc_, config_.user_id});
    sub_->sendRtcp(builder.bytes().data(), builder.size());
  }
}

}  // namespace bench::load
