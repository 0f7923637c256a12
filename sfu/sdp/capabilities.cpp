#include "sfu/sdp/capabilities.h"

#include "sfu/sdp/text_util.h"

namespace sfu::sdp {
namespace {

const std::vector<std::string> kVideoFb = {"goog-remb", "transport-cc", "ccm fir", "nack",
                                           "nack pli"};

enum class H264Profile { kUnknown, kConstrainedBaseline, kBaseline, kMain, kHigh, kOther };

std::optional<unsigned> hexByte(std::string_view s) {
  if (s.size() != 2) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= static_cast<unsigned>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
  }
  return v;
}

H264Profile h264Profile(std::string_view plid) {
  if (plid.size() != 6) return H264Profile::kUnknown;
  auto idc = hexByte(plid.substr(0, 2));
  auto iop = hexByte(plid.substr(2, 2));
  if (!idc || !iop) return H264Profile::kUnknown;
  // RFC 6184 §8.1 table 5: constraint_set1 (0x40) on baseline, or constraint_set0+1 on main,
  // mean constrained baseline.
  if (*idc == 0x42)
    return (*iop & 0x40) ? H264Profile::kConstrainedBaseline : H264Profile::kBaseline;
  if (*idc == 0x4D) return (*iop & 0x80) ? H264Profile::kConstrainedBaseline : H264Profile::kMain;
  if (*idc == 0x58 && (*iop & 0xC0) == 0xC0) return H264Profile::kConstrainedBaseline;
  if (*idc == 0x64) return H264Profile::kHigh;
  return H264Profile::kOther;
}

bool codecParamsMatch(const CodecCapability& cap, const Codec& offered) {
  const std::string name = text::lower(cap.name);
  if (name == "h264") {
    // RFC 6184 §8.2.2: packetization-mode must match (default 0); profile must match.
    auto pm_cap = fmtpParam(cap.fmtp, "packetization-mode").value_or("0");
    auto pm_off = fmtpParam(offered.fmtp, "packetization-mode").value_or("0");
    if (pm_cap != pm_off) return false;
    auto pl_cap = fmtpParam(cap.fmtp, "profile-level-id").value_or("42001f");
    auto pl_off = fmtpParam(offered.fmtp, "profile-level-id").value_or("42001f");
    return h264ProfilesMatch(pl_cap, pl_off);
  }
  if (name == "vp9") {
    return fmtpParam(offered.fmtp, "profile-id").value_or("0") ==
           fmtpParam(cap.fmtp, "profile-id").value_or("0");
  }
  if (name == "av1") {
    return fmtpParam(offered.fmtp, "profile").value_or("0") ==
           fmtpParam(cap.fmtp, "profile").value_or("0");
  }
  return true;
}

}  // namespace

bool h264ProfilesMatch(std::string_view a, std::string_view b) {
  const auto pa = h264Profile(a);
  return pa != H264Profile::kUnknown && pa == h264Profile(b);
}

Capabilities Capabilities::defaults() {
  Capabilities c;
  c.codecs = {
      {"audio", "opus", 48000, 2, 111, -1, "minptime=10;useinbandfec=1", {"transport-cc"}},
      {"video", "VP8", 90000, 0, 96, 97, "", kVideoFb},
      {"video", "VP9", 90000, 0, 98, 99, "profile-id=0", kVideoFb},
      {"video", "H264", 90000, 0, 102, 103,
       "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", kVideoFb},
      {"video", "AV1", 90000, 0, 104, 105, "", kVideoFb},
  };
  c.extensions = {
      {"audio", std::string(ext_uri::kAudioLevel), 1, true},
      {"audio", std::string(ext_uri::kAbsSendTime), 2, true},
      {"audio", std::string(ext_uri::kTransportCc), 3, true},
      {"audio", std::string(ext_uri::kMid), 4, true},
      {"video", std::string(ext_uri::kAbsSendTime), 2, true},
      {"video", std::string(ext_uri::kTransportCc), 3, true},
      {"video", std::string(ext_uri::kMid), 4, true},
      {"video", std::string(ext_uri::kPlayoutDelay), 5, true},
      {"video", std::string(ext_uri::kRid), 10, false},
      {"video", std::string(ext_uri::kRepairedRid), 11, false},
      {"video", std::string(ext_uri::kVideoOrientation), 13, true},
  };
  return c;
}

const CodecCapability* Capabilities::match(std::string_view kind, const Codec& offered) const {
  for (const auto& cap : codecs) {
    if (cap.kind != kind || !text::iequals(cap.name, offered.name)) continue;
    if (cap.clock_rate != offered.clock_rate) continue;
    // Audio channels: absent means 1 (RFC 4566 §6); opus is always /2 (RFC 7587 §7).
    if (cap.kind == "audio" &&
        (cap.channels ? cap.channels : 1) != (offered.channels ? offered.channels : 1)) {
      continue;
    }
    if (codecParamsMatch(cap, offered)) return &cap;
  }
  return nullptr;
}

const ExtensionCapability* Capabilities::extension(std::string_view kind,
                                                   std::string_view uri) const {
  for (const auto& e : extensions) {
    if (e.kind == kind && e.uri == uri) return &e;
  }
  return nullptr;
}

}  // namespace sfu::sdp
