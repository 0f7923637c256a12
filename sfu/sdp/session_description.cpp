#include "sfu/sdp/session_description.h"

#include "sfu/sdp/text_util.h"

namespace sfu::sdp {

std::string_view toString(Direction d) {
  switch (d) {
    case Direction::kSendRecv:
      return "sendrecv";
    case Direction::kSendOnly:
      return "sendonly";
    case Direction::kRecvOnly:
      return "recvonly";
    case Direction::kInactive:
      return "inactive";
    case Direction::kUnspecified:
      break;
  }
  return "";
}

std::optional<Direction> parseDirection(std::string_view s) {
  if (s == "sendrecv") return Direction::kSendRecv;
  if (s == "sendonly") return Direction::kSendOnly;
  if (s == "recvonly") return Direction::kRecvOnly;
  if (s == "inactive") return Direction::kInactive;
  return std::nullopt;
}

Direction reverse(Direction d) {
  if (d == Direction::kSendOnly) return Direction::kRecvOnly;
  if (d == Direction::kRecvOnly) return Direction::kSendOnly;
  return d;
}

std::string_view toString(Setup s) {
  switch (s) {
    case Setup::kActive:
      return "active";
    case Setup::kPassive:
      return "passive";
    case Setup::kActpass:
      return "actpass";
    case Setup::kHoldconn:
      return "holdconn";
    case Setup::kUnspecified:
      break;
  }
  return "";
}

std::optional<Setup> parseSetup(std::string_view s) {
  if (s == "active") return Setup::kActive;
  if (s == "passive") return Setup::kPassive;
  if (s == "actpass") return Setup::kActpass;
  if (s == "holdconn") return Setup::kHoldconn;
  return std::nullopt;
}

std::optional<std::string_view> fmtpParam(std::string_view fmtp, std::string_view key) {
  for (auto part : text::split(fmtp, ';')) {
    auto kv = text::splitOnce(text::trim(part), '=');
    if (text::iequals(text::trim(kv.first), key)) return text::trim(kv.second);
  }
  return std::nullopt;
}

std::optional<std::string_view> Ssrc::get(std::string_view name) const {
  for (const auto& [k, v] : attributes) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

bool MediaSection::isRtp() const { return proto.find("RTP/") != std::string::npos; }

bool MediaSection::isDataChannel() const {
  return kind == "application" && proto.find("SCTP") != std::string::npos;
}

Codec* MediaSection::findCodec(int pt) {
  for (auto& c : codecs) {
    if (c.pt == pt) return &c;
  }
  return nullptr;
}

const Codec* MediaSection::findCodec(int pt) const {
  for (const auto& c : codecs) {
    if (c.pt == pt) return &c;
  }
  return nullptr;
}

Ssrc& MediaSection::ssrcEntry(uint32_t ssrc) {
  for (auto& s : ssrcs) {
    if (s.ssrc == ssrc) return s;
  }
  ssrcs.push_back(Ssrc{ssrc, {}});
  return ssrcs.back();
}

void MediaSection::syncFormatsFromCodecs() {
  formats.clear();
  for (const auto& c : codecs) formats.push_back(std::to_string(c.pt));
}

const Group* SessionDescription::findGroup(std::string_view semantics) const {
  for (const auto& g : groups) {
    if (g.semantics == semantics) return &g;
  }
  return nullptr;
}

const MediaSection* SessionDescription::findMedia(std::string_view mid) const {
  for (const auto& m : media) {
    if (m.mid == mid) return &m;
  }
  return nullptr;
}

std::string_view SessionDescription::iceUfrag(const MediaSection& m) const {
  return m.ice_ufrag.empty() ? std::string_view(ice_ufrag) : std::string_view(m.ice_ufrag);
}

std::string_view SessionDescription::icePwd(const MediaSection& m) const {
  return m.ice_pwd.empty() ? std::string_view(ice_pwd) : std::string_view(m.ice_pwd);
}

const std::vector<Fingerprint>& SessionDescription::fingerprintsOf(const MediaSection& m) const {
  return m.fingerprints.empty() ? fingerprints : m.fingerprints;
}

Setup SessionDescription::setupOf(const MediaSection& m) const {
  return m.setup == Setup::kUnspecified ? setup : m.setup;
}

}  // namespace sfu::sdp
