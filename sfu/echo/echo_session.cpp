#include "sfu/echo/echo_session.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>

#include "rtp/rtcp/compound_builder.h"
#include "rtp/rtcp/compound_parser.h"
#include "rtp/rtcp/fir.h"
#include "rtp/rtcp/nack.h"
#include "rtp/rtcp/pli.h"
#include "rtp/rtcp/receiver_report.h"
#include "rtp/rtcp/remb.h"
#include "rtp/rtcp/sender_report.h"
#include "rtp/rtp/header_extensions.h"
#include "rtp/rtp/rtp_packet.h"
#include "sfu/common/log.h"
#include "sfu/sdp/sdp_parser.h"
#include "sfu/sdp/sdp_writer.h"

namespace sfu::echo {
namespace {

constexpr int64_t kTimerUs = 50'000;              // TWCC cadence check
constexpr int64_t kReportIntervalUs = 1'000'000;  // RR (+ REMB) period
constexpr size_t kMaxRtcp = 1200;

uint32_t randomSsrc() {
  uint32_t v = 0;
  while (v == 0) RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof(v));
  return v;
}

bool hasFeedback(const sdp::NegotiatedMedia& m, std::string_view fb) {
  for (const auto& c : m.codecs) {
    if (std::find(c.rtcp_fb.begin(), c.rtcp_fb.end(), fb) != c.rtcp_fb.end()) return true;
  }
  return false;
}

}  // namespace

EchoSession::EchoSession(worker::TimerWheel& timers, ClosedFn on_closed)
    : timers_(timers), on_closed_(std::move(on_closed)), timer_(timers) {
  timer_.setCallback([this] { onTimer(); });
  routes_.reserve(kMaxRoutes);
}

EchoSession::~EchoSession() { timer_.stop(); }

EchoSession::Created EchoSession::create(transport::TransportFactory& factory,
                                         worker::TimerWheel& timers, std::string_view offer_sdp,
                                         const sdp::Capabilities& caps, ClosedFn on_closed) {
  Created out;
  auto parsed = sdp::parse(offer_sdp);
  if (!parsed.ok()) {
    out.error = "malformed offer: " + std::string(sdp::toString(parsed.error.code)) + " at line " +
                std::to_string(parsed.error.line);
    return out;
  }
  std::unique_ptr<EchoSession> s(new EchoSession(timers, std::move(on_closed)));
  s->transport_ = factory.createTransport(*s);
  sdp::AnswerOptions options;
  options.allow_send = true;
  options.accept_simulcast = false;
  auto answer = sdp::createAnswer(*parsed.sdp, caps, s->transport_->local(), options);
  if (!answer.ok) {
    out.error = answer.error;
    return out;
  }

  // Our sending side: one SSRC per m-line that sends (+ an RTX SSRC when RTX was negotiated), so
  // the browser can demux what we echo by SSRC as well as by MID (RFC 8843 §9.2).
  bool any_transport_cc = false;
  bool any_remb = false;
  for (size_t i = 0; i < answer.media.size(); ++i) {
    const sdp::NegotiatedMedia& nm = answer.media[i];
    if (nm.rejected || nm.data_channel || (nm.kind != "audio" && nm.kind != "video")) continue;
    Track t;
    t.mid = nm.mid;
    t.video = nm.kind == "video";
    t.sends =
        nm.direction == sdp::Direction::kSendRecv || nm.direction == sdp::Direction::kSendOnly;
    if (!nm.codecs.empty()) t.clock_rate = nm.codecs.front().clock_rate;
    for (const auto& c : nm.codecs) {
      if (c.rtx_pt) t.rtx_pts.push_back(*c.rtx_pt);
    }
    if (!nm.ssrcs.empty()) t.client_ssrc = nm.ssrcs.front();
    for (const auto& [media, rtx] : nm.rtx_ssrcs) {
      if (media == t.client_ssrc) t.client_rtx_ssrc = rtx;
    }
    t.stats = ReceiveStatistics(t.client_ssrc, t.clock_rate);
    if (nm.ext_ids.mid != 0 && s->ext_ids_.mid == 0) s->ext_ids_ = nm.ext_ids;
    if (nm.ext_ids.transport_cc != 0 && hasFeedback(nm, "transport-cc")) {
      any_transport_cc = true;
      s->ext_ids_.transport_cc = nm.ext_ids.transport_cc;
    }
    if (hasFeedback(nm, "goog-remb")) any_remb = true;

    sdp::MediaSection& am = answer.answer.media[i];
    if (t.sends) {
      t.our_ssrc = randomSsrc();
      const std::string track_id =
          "echo-" + (t.video ? std::string("video") : "audio") + "-" + t.mid;
      am.msids = {sdp::Msid{"sfu-echo", track_id}};
      auto& e = am.ssrcEntry(t.our_ssrc);
      e.attributes = {{"cname", "sfu-echo"}, {"msid", "sfu-echo " + track_id}};
      if (!t.rtx_pts.empty()) {
        t.our_rtx_ssrc = randomSsrc();
        auto& r = am.ssrcEntry(t.our_rtx_ssrc);
        r.attributes = {{"cname", "sfu-echo"}, {"msid", "sfu-echo " + track_id}};
        am.ssrc_groups.push_back(sdp::SsrcGroup{"FID", {t.our_ssrc, t.our_rtx_ssrc}});
      }
      if (s->report_ssrc_ == 0) s->report_ssrc_ = t.our_ssrc;
    }
    const size_t index = s->tracks_.size();
    if (t.client_ssrc != 0) s->routes_.push_back({t.client_ssrc, index, false});
    if (t.client_rtx_ssrc != 0) s->routes_.push_back({t.client_rtx_ssrc, index, true});
    s->tracks_.push_back(std::move(t));
  }
  if (s->report_ssrc_ == 0) s->report_ssrc_ = randomSsrc();
  if (any_transport_cc) {
    rtp::stream::TwccRecorderConfig config;
    config.sender_ssrc = s->report_ssrc_;
    config.media_ssrc = s->tracks_.empty() ? 0 : s->tracks_.front().client_ssrc;
    s->twcc_.emplace(config);
  } else {
    s->ext_ids_.transport_cc = 0;
    s->send_remb_ = any_remb;
  }
  if (answer.answer.msid_semantic) answer.answer.msid_semantic->ids = {"sfu-echo"};

  s->transport_->setRemote(answer.remote);
  s->transport_->setNegotiatedMedia(answer.media);
  out.answer_sdp = sdp::write(answer.answer);
  out.session = std::move(s);
  return out;
}

void EchoSession::close() {
  if (closed_) return;
  closed_ = true;
  timer_.stop();
  transport_->close();
}

uint32_t EchoSession::ssrcForMid(std::string_view mid) const {
  for (const auto& t : tracks_) {
    if (t.mid == mid) return t.our_ssrc;
  }
  return 0;
}

// --- media ---------------------------------------------------------------------------------------

const EchoSession::SsrcRoute* EchoSession::route(uint32_t ssrc) const {
  for (const auto& r : routes_) {
    if (r.ssrc == ssrc) return &r;
  }
  return nullptr;
}

// An SSRC the offer did not announce: place it by its MID header extension (RFC 8843 §9.2), and
// call it RTX when its payload type is one of that m-line's RTX types.
const EchoSession::SsrcRoute* EchoSession::learn(const rtp::RtpPacket& packet) {
  if (ext_ids_.mid == 0 || routes_.size() >= kMaxRoutes) return nullptr;
  auto mid = rtp::findExtension(packet, static_cast<uint8_t>(ext_ids_.mid));
  if (!mid) return nullptr;
  const std::string_view mid_text(reinterpret_cast<const char*>(mid->data()), mid->size());
  for (size_t i = 0; i < tracks_.size(); ++i) {
    Track& t = tracks_[i];
    if (t.mid != mid_text) continue;
    const bool rtx =
        std::find(t.rtx_pts.begin(), t.rtx_pts.end(), packet.payloadType()) != t.rtx_pts.end();
    if (rtx) {
      t.client_rtx_ssrc = packet.ssrc();
    } else {
      t.client_ssrc = packet.ssrc();
      t.stats = ReceiveStatistics(t.client_ssrc, t.clock_rate);
    }
    routes_.push_back({packet.ssrc(), i, rtx});
    return &routes_.back();
  }
  return nullptr;
}

void EchoSession::onTransportRtp(transport::MediaTransport& t, net::PacketBuffer& buffer,
                                 int64_t now_us) {
  auto parsed = rtp::RtpPacket::parse(buffer.data(), buffer.size(), buffer.capacity());
  if (!parsed) {
    ++stats_.rtp_dropped;
    return;
  }
  rtp::RtpPacket& packet = *parsed;
  bytes_since_report_ += buffer.size();
  if (twcc_ && ext_ids_.transport_cc != 0) {
    auto seq = rtp::findExtension(packet, static_cast<uint8_t>(ext_ids_.transport_cc));
    if (seq && seq->size() == 2) twcc_->onPacket(rtp::load16(seq->data()), now_us);
  }
  const SsrcRoute* r = route(packet.ssrc());
  if (r == nullptr) r = learn(packet);
  if (r == nullptr) {
    ++stats_.rtp_dropped;
    return;
  }
  Track& track = tracks_[r->track];
  if (!r->rtx) track.stats.onPacket(packet.sequenceNumber(), packet.timestamp(), now_us);
  const uint32_t out_ssrc = r->rtx ? track.our_rtx_ssrc : track.our_ssrc;
  if (!track.sends || out_ssrc == 0) {
    ++stats_.rtp_dropped;
    return;
  }
  packet.setSsrc(out_ssrc);
  // The client's transport-wide sequence numbers mean nothing for our stream: blank them so its
  // receive side does not report on them (the MID stays for demux).
  if (ext_ids_.transport_cc != 0) {
    (void)rtp::removeExtension(packet, static_cast<uint8_t>(ext_ids_.transport_cc));
  }
  // Zero copy: the received pooled buffer goes back out (it has SRTP tailroom).
  if (t.sendRtp(std::move(buffer))) {
    ++stats_.rtp_echoed;
  } else {
    ++stats_.rtp_dropped;
  }
}

EchoSession::Track* EchoSession::trackByOurSsrc(uint32_t ssrc) {
  for (auto& t : tracks_) {
    if (ssrc != 0 && (t.our_ssrc == ssrc || t.our_rtx_ssrc == ssrc)) return &t;
  }
  return nullptr;
}

void EchoSession::onTransportRtcp(transport::MediaTransport& t, std::span<const uint8_t> compound,
                                  int64_t now_us) {
  (void)t;
  rtp::rtcp::CompoundParser parser(compound, rtp::rtcp::PaddingPolicy::kAnyPacket);
  while (!parser.done()) {
    auto view = parser.next();
    if (!view) break;
    switch (rtp::rtcp::classify(*view)) {
      case rtp::rtcp::PacketKind::kSenderReport: {
        auto sr = rtp::rtcp::SenderReportView::parse(*view);
        if (!sr) break;
        for (auto& track : tracks_) {
          if (track.client_ssrc == sr->ssrc()) track.stats.onSenderReport(sr->ntpTime(), now_us);
        }
        break;
      }
      case rtp::rtcp::PacketKind::kPli:
      case rtp::rtcp::PacketKind::kFir:
      case rtp::rtcp::PacketKind::kNack:
        translateFeedback(view->packet, now_us);
        break;
      default:
        break;  // RR, SDES, BYE, TWCC and REMB about our stream: nothing to adapt in an echo
    }
  }
}

// PLI / FIR / NACK for our SSRC become the same request for the client's SSRC (RFC 4585 §6.3.1,
// RFC 5104 §4.3.1, RFC 4585 §6.2.1): sequence numbers are echoed unchanged, so NACK items carry
// over as they are.
void EchoSession::translateFeedback(std::span<const uint8_t> bytes, int64_t now_us) {
  (void)now_us;
  auto view = rtp::rtcp::parsePacket(bytes);
  if (!view) return;
  std::array<uint8_t, kMaxRtcp> out{};
  rtp::rtcp::CompoundBuilder builder(out);
  switch (rtp::rtcp::classify(*view)) {
    case rtp::rtcp::PacketKind::kPli: {
      auto pli = rtp::rtcp::PliView::parse(*view);
      Track* track = pli ? trackByOurSsrc(pli->mediaSsrc()) : nullptr;
      if (track == nullptr || track->client_ssrc == 0) return;
      builder.add(rtp::rtcp::Pli{report_ssrc_, track->client_ssrc});
      break;
    }
    case rtp::rtcp::PacketKind::kFir: {
      auto fir = rtp::rtcp::FirView::parse(*view);
      if (!fir) return;
      for (size_t i = 0; i < fir->entryCount(); ++i) {
        Track* track = trackByOurSsrc(fir->entry(i).ssrc);
        if (track == nullptr || track->client_ssrc == 0) continue;
        const rtp::rtcp::FirEntry entry{track->client_ssrc, ++track->fir_seq};
        builder.add(rtp::rtcp::Fir{report_ssrc_, 0, std::span(&entry, 1)});
      }
      break;
    }
    case rtp::rtcp::PacketKind::kNack: {
      auto nack = rtp::rtcp::NackView::parse(*view);
      Track* track = nack ? trackByOurSsrc(nack->mediaSsrc()) : nullptr;
      if (track == nullptr || track->client_ssrc == 0) return;
      std::array<rtp::rtcp::NackItem, 64> items{};
      const size_t n = std::min(items.size(), nack->itemCount());
      for (size_t i = 0; i < n; ++i) items[i] = nack->item(i);
      builder.add(rtp::rtcp::Nack{report_ssrc_, track->client_ssrc, std::span(items.data(), n)});
      break;
    }
    default:
      return;
  }
  if (builder.size() == 0) return;
  if (sendCompound(builder.bytes())) ++stats_.feedback_translated;
}

bool EchoSession::sendCompound(std::span<const uint8_t> bytes) {
  if (!transport_->connected()) return false;
  net::PacketBuffer buffer = transport_->pool().copy(bytes.data(), bytes.size());
  if (!buffer) return false;
  if (!transport_->sendRtcp(std::move(buffer))) return false;
  ++stats_.rtcp_sent;
  return true;
}

// --- timers --------------------------------------------------------------------------------------

void EchoSession::onTransportConnected(transport::MediaTransport& t) {
  (void)t;
  const int64_t now = timers_.clock().nowUs();
  next_report_us_ = now + kReportIntervalUs;
  last_report_us_ = now;
  timer_.start(kTimerUs);
}

void EchoSession::onTimer() {
  if (closed_) return;
  const int64_t now = timers_.clock().nowUs();
  if (twcc_ && twcc_->due(now)) sendTwcc(now);
  if (now >= next_report_us_) {
    sendReports(now);
    next_report_us_ = now + kReportIntervalUs;
  }
  timer_.start(kTimerUs);
}

void EchoSession::sendTwcc(int64_t now_us) {
  std::array<uint8_t, kMaxRtcp> out{};
  const size_t n = twcc_->buildFeedback(now_us, out);
  if (n > 0 && sendCompound(std::span<const uint8_t>(out.data(), n))) ++stats_.twcc_sent;
}

void EchoSession::sendReports(int64_t now_us) {
  std::array<rtp::rtcp::ReportBlock, 8> blocks{};
  size_t count = 0;
  for (auto& t : tracks_) {
    if (t.stats.started() && count < blocks.size())
      blocks[count++] = t.stats.makeReportBlock(now_us);
  }
  std::array<uint8_t, kMaxRtcp> out{};
  rtp::rtcp::CompoundBuilder builder(out);
  builder.add(rtp::rtcp::ReceiverReport{report_ssrc_, std::span(blocks.data(), count), {}});
  if (send_remb_) {
    // Without transport-cc the browser's estimate follows REMB (draft-alvestrand-rmcat-remb):
    // offer well above what arrives so it ramps up, as a healthy loopback path would allow.
    const int64_t elapsed = std::max<int64_t>(1, now_us - last_report_us_);
    const auto incoming_bps = static_cast<uint64_t>(bytes_since_report_ * 8 * 1'000'000 / elapsed);
    const uint64_t remb = std::clamp<uint64_t>(incoming_bps * 2, 1'000'000, 20'000'000);
    std::array<uint32_t, 8> ssrcs{};
    size_t n = 0;
    for (const auto& t : tracks_) {
      if (t.client_ssrc != 0 && n < ssrcs.size()) ssrcs[n++] = t.client_ssrc;
    }
    builder.add(rtp::rtcp::Remb{report_ssrc_, remb, std::span(ssrcs.data(), n)});
  }
  bytes_since_report_ = 0;
  last_report_us_ = now_us;
  sendCompound(builder.bytes());
}

// --- lifecycle -----------------------------------------------------------------------------------

void EchoSession::onTransportClosed(transport::MediaTransport& t, std::string_view reason) {
  (void)t;
  if (closed_) return;
  closed_ = true;
  timer_.stop();
  // The owner may destroy us from the callback: call a copy, touch nothing afterwards.
  if (ClosedFn fn = on_closed_) fn(*this, reason);
}

void EchoSession::onTransportDataChannelMessage(transport::MediaTransport& t, uint16_t stream_id,
                                                bool binary, std::span<const uint8_t> data) {
  if (t.sendDataChannelMessage(stream_id, binary, data)) ++stats_.messages_echoed;
}

}  // namespace sfu::echo
