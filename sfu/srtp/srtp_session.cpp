#include "sfu/srtp/srtp_session.h"

#include <arpa/inet.h>
#include <srtp2/srtp.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <mutex>

#include "sfu/common/log.h"
#include "sfu/srtp/gcm_srtp.h"

namespace sfu::srtp {
namespace {

// RTP fixed header (RFC 3550 §5.1) is 12 bytes; RTCP common header + sender SSRC is 8.
constexpr size_t kMinRtp = 12;
constexpr size_t kMinRtcp = 8;

SrtpResult mapStatus(srtp_err_status_t status) {
  switch (status) {
    case srtp_err_status_ok:
      return SrtpResult::kOk;
    case srtp_err_status_replay_fail:
      return SrtpResult::kReplay;
    case srtp_err_status_replay_old:
      return SrtpResult::kReplayOld;
    case srtp_err_status_auth_fail:
    case srtp_err_status_cipher_fail:  // GCM reports a bad tag as a cipher failure on some backends
      return SrtpResult::kAuthFail;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err:
    case srtp_err_status_bad_mki:
      return SrtpResult::kBadPacket;
    case srtp_err_status_key_expired:
      return SrtpResult::kKeyExpired;
    default:
      return SrtpResult::kError;
  }
}

bool setCryptoPolicy(SrtpProfile profile, srtp_policy_t& policy) {
  switch (profile) {
    case SrtpProfile::kAeadAes128Gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
      return true;
    case SrtpProfile::kAeadAes256Gcm:
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp);
      return true;
    case SrtpProfile::kAes128CmSha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
      return true;
    case SrtpProfile::kNone:
      break;
  }
  return false;
}

}  // namespace

std::string_view srtpResultName(SrtpResult result) {
  switch (result) {
    case SrtpResult::kOk:
      return "ok";
    case SrtpResult::kReplay:
      return "replay";
    case SrtpResult::kReplayOld:
      return "replay_old";
    case SrtpResult::kAuthFail:
      return "auth_fail";
    case SrtpResult::kBadPacket:
      return "bad_packet";
    case SrtpResult::kNoBuffer:
      return "no_buffer";
    case SrtpResult::kKeyExpired:
      return "key_expired";
    case SrtpResult::kNoSession:
      return "no_session";
    case SrtpResult::kError:
      return "error";
  }
  return "unknown";
}

bool SrtpSession::initLibrary() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    srtp_err_status_t status = srtp_init();
    ok = status == srtp_err_status_ok;
    if (!ok) SFU_LOG_ERROR("srtp", "srtp_init failed status={}", static_cast<int>(status));
  });
  return ok;
}

SrtpSession::SrtpSession(srtp_ctx_t_* ctx, std::unique_ptr<GcmSrtp> gcm, SrtpDirection direction,
                         SrtpProfile profile)
    : ctx_(ctx), gcm_(std::move(gcm)), direction_(direction), profile_(profile) {}

std::array<HotLines, 3> SrtpSession::rtpFootprint() const {
  std::array<HotLines, 3> spans{};
  if (!gcm_) return spans;
  spans[0] = linesOf(this, sizeof(*this));
  const auto gcm = gcm_->rtpFootprint();
  spans[1] = gcm[0];
  spans[2] = gcm[1];
  return spans;
}

SrtpSession::~SrtpSession() {
  if (ctx_) srtp_dealloc(ctx_);
}

std::unique_ptr<SrtpSession> SrtpSession::create(SrtpDirection direction, SrtpProfile profile,
                                                 std::span<const uint8_t> masterKeyAndSalt,
                                                 const Options& options) {
  const auto info = srtpProfileInfo(profile);
  if (profile == SrtpProfile::kNone ||
      masterKeyAndSalt.size() != info.keyLength + info.saltLength) {
    return nullptr;
  }
  const bool gcmProfile =
      profile == SrtpProfile::kAeadAes128Gcm || profile == SrtpProfile::kAeadAes256Gcm;
  if (gcmProfile && !options.libsrtpForGcm) {
    auto gcm = GcmSrtp::create(direction, profile, masterKeyAndSalt, options);
    if (!gcm) {
      SFU_LOG_WARN("srtp", "GCM session setup failed profile={}", info.name);
      return nullptr;
    }
    return std::unique_ptr<SrtpSession>(
        new SrtpSession(nullptr, std::move(gcm), direction, profile));
  }
  if (!initLibrary()) return nullptr;
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof(policy));
  if (!setCryptoPolicy(profile, policy)) return nullptr;
  // Wildcard templates: libsrtp clones a stream per SSRC on first protect/unprotect.
  policy.ssrc.type = direction == SrtpDirection::kInbound ? ssrc_any_inbound : ssrc_any_outbound;
  policy.ssrc.value = 0;
  // libsrtp reads the key during srtp_create (it derives session keys); copy to a mutable buffer
  // because the C API is not const-correct.
  uint8_t key[kMaxMasterKeyLength] = {};
  std::memcpy(key, masterKeyAndSalt.data(), masterKeyAndSalt.size());
  policy.key = key;
  policy.window_size = std::clamp<uint32_t>(options.replayWindow, 64, 0x7fff);
  policy.allow_repeat_tx = direction == SrtpDirection::kOutbound && options.allowRepeatTx ? 1 : 0;
  policy.next = nullptr;
  srtp_t ctx = nullptr;
  srtp_err_status_t status = srtp_create(&ctx, &policy);
  std::memset(key, 0, sizeof(key));
  if (status != srtp_err_status_ok) {
    SFU_LOG_WARN("srtp", "srtp_create failed status={} profile={}", static_cast<int>(status),
                 info.name);
    if (ctx) srtp_dealloc(ctx);
    return nullptr;
  }
  return std::unique_ptr<SrtpSession>(new SrtpSession(ctx, nullptr, direction, profile));
}

SrtpResult SrtpSession::protectRtp(std::span<uint8_t> buffer, size_t& length) {
  if ((!ctx_ && !gcm_) || direction_ != SrtpDirection::kOutbound) return SrtpResult::kNoSession;
  if (length < kMinRtp || length > buffer.size()) return SrtpResult::kBadPacket;
  if (buffer.size() - length < rtpTrailer() || length > INT_MAX - kMaxTrailer) {
    return SrtpResult::kNoBuffer;
  }
  if (gcm_) return gcm_->protectRtp(buffer, length);
  int len = static_cast<int>(length);
  srtp_err_status_t status = srtp_protect(ctx_, buffer.data(), &len);
  if (status != srtp_err_status_ok) return mapStatus(status);
  length = static_cast<size_t>(len);
  return SrtpResult::kOk;
}

SrtpResult SrtpSession::protectRtcp(std::span<uint8_t> buffer, size_t& length) {
  if ((!ctx_ && !gcm_) || direction_ != SrtpDirection::kOutbound) return SrtpResult::kNoSession;
  if (length < kMinRtcp || length > buffer.size()) return SrtpResult::kBadPacket;
  if (buffer.size() - length < rtcpTrailer() || length > INT_MAX - kMaxTrailer) {
    return SrtpResult::kNoBuffer;
  }
  if (gcm_) return gcm_->protectRtcp(buffer, length);
  int len = static_cast<int>(length);
  srtp_err_status_t status = srtp_protect_rtcp(ctx_, buffer.data(), &len);
  if (status != srtp_err_status_ok) return mapStatus(status);
  length = static_cast<size_t>(len);
  return SrtpResult::kOk;
}

SrtpResult SrtpSession::unprotectRtp(uint8_t* data, size_t& length) {
  if ((!ctx_ && !gcm_) || direction_ != SrtpDirection::kInbound) return SrtpResult::kNoSession;
  if (!data || length < kMinRtp + rtpTrailer() || length > INT_MAX) return SrtpResult::kBadPacket;
  if (gcm_) return gcm_->unprotectRtp(data, length);
  int len = static_cast<int>(length);
  srtp_err_status_t status = srtp_unprotect(ctx_, data, &len);
  if (status != srtp_err_status_ok) return mapStatus(status);
  length = static_cast<size_t>(len);
  return SrtpResult::kOk;
}

SrtpResult SrtpSession::unprotectRtcp(uint8_t* data, size_t& length) {
  if ((!ctx_ && !gcm_) || direction_ != SrtpDirection::kInbound) return SrtpResult::kNoSession;
  if (!data || length < kMinRtcp + rtcpTrailer() || length > INT_MAX) {
    return SrtpResult::kBadPacket;
  }
  if (gcm_) return gcm_->unprotectRtcp(data, length);
  int len = static_cast<int>(length);
  srtp_err_status_t status = srtp_unprotect_rtcp(ctx_, data, &len);
  if (status != srtp_err_status_ok) return mapStatus(status);
  length = static_cast<size_t>(len);
  return SrtpResult::kOk;
}

bool SrtpSession::removeStream(uint32_t ssrc) {
  if (gcm_) return gcm_->removeStream(ssrc);
  if (!ctx_) return false;
  // libsrtp takes the SSRC in network byte order.
  return srtp_remove_stream(ctx_, htonl(ssrc)) == srtp_err_status_ok;
}

}  // namespace sfu::srtp
