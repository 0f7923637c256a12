#include "sfu/sdp/sdp_parser.h"

#include "sfu/sdp/text_util.h"

namespace sfu::sdp {
namespace {

using text::split;
using text::splitOnce;
using text::toNumber;
using text::trim;

std::optional<Extmap> parseExtmap(std::string_view v) {
  // <id>[/<direction>] <uri> [<extensionattributes>]
  auto head = splitOnce(v, ' ');
  if (!head.found) return std::nullopt;
  Extmap e;
  auto idpart = splitOnce(head.first, '/');
  auto id = toNumber<int>(idpart.first);
  if (!id || *id < 1 || *id > 255) return std::nullopt;
  e.id = *id;
  if (idpart.found) {
    auto d = parseDirection(idpart.second);
    if (!d) return std::nullopt;
    e.direction = *d;
  }
  auto rest = splitOnce(trim(head.second), ' ');
  if (rest.first.empty()) return std::nullopt;
  e.uri = rest.first;
  e.attributes = trim(rest.second);
  return e;
}

std::optional<Fingerprint> parseFingerprint(std::string_view v) {
  auto p = splitOnce(trim(v), ' ');
  if (!p.found || p.first.empty() || trim(p.second).empty()) return std::nullopt;
  return Fingerprint{std::string(p.first), std::string(trim(p.second))};
}

std::optional<SimulcastStreams> parseSimulcastList(std::string_view list) {
  SimulcastStreams out;
  for (auto stream : split(list, ';')) {
    std::vector<SimulcastFormat> alts;
    for (auto alt : split(stream, ',')) {
      SimulcastFormat f;
      if (alt.substr(0, 4) == "rid=") alt.remove_prefix(4);  // draft-era syntax
      if (!alt.empty() && alt.front() == '~') {
        f.paused = true;
        alt.remove_prefix(1);
      }
      if (alt.empty()) return std::nullopt;
      f.rid = alt;
      alts.push_back(std::move(f));
    }
    if (alts.empty()) return std::nullopt;
    out.push_back(std::move(alts));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<Simulcast> parseSimulcast(std::string_view v) {
  // RFC 8853 §5.1: sc-value = ( sc-send [SP sc-recv] ) / ( sc-recv [SP sc-send] )
  auto tok = split(trim(v), ' ');
  if (tok.empty() || tok.size() % 2 != 0) return std::nullopt;
  Simulcast s;
  for (size_t i = 0; i < tok.size(); i += 2) {
    auto list = parseSimulcastList(tok[i + 1]);
    if (!list) return std::nullopt;
    if (tok[i] == "send" && s.send.empty()) {
      s.send = std::move(*list);
    } else if (tok[i] == "recv" && s.recv.empty()) {
      s.recv = std::move(*list);
    } else {
      return std::nullopt;
    }
  }
  return s;
}

std::optional<Rid> parseRid(std::string_view v) {
  auto tok = split(trim(v), ' ');
  if (tok.size() < 2 || tok.size() > 3) return std::nullopt;
  Rid r;
  r.id = tok[0];
  if (tok[1] == "send") {
    r.direction = RidDirection::kSend;
  } else if (tok[1] == "recv") {
    r.direction = RidDirection::kRecv;
  } else {
    return std::nullopt;
  }
  if (tok.size() == 3) {
    for (auto part : split(tok[2], ';')) {
      auto kv = splitOnce(part, '=');
      if (kv.first == "pt") {
        for (auto pt : split(kv.second, ',')) {
          auto n = toNumber<int>(pt);
          if (!n) return std::nullopt;
          r.payload_types.push_back(*n);
        }
      } else {
        r.restrictions.emplace_back(std::string(kv.first), std::string(kv.second));
      }
    }
  }
  return r;
}

class Parser {
 public:
  ParseResult run(std::string_view input);

 private:
  bool fail(ParseErrorCode code, std::string detail = {}) {
    error_ = {code, line_no_, std::move(detail)};
    return false;
  }
  bool sessionLine(char type, std::string_view value);
  bool mediaLine(std::string_view value);
  bool attribute(std::string_view line);
  // Attributes valid at both levels; returns true when handled (ok_ tells if it parsed).
  template <typename Level>
  bool common(Level& level, std::string_view name, std::string_view value, bool has_value);
  bool mediaAttribute(MediaSection& m, std::string_view name, std::string_view value,
                      bool has_value);
  bool sessionAttribute(std::string_view name, std::string_view value, bool has_value);
  Codec& codec(MediaSection& m, int pt);

  SessionDescription sdp_;
  MediaSection* media_ = nullptr;
  ParseError error_;
  size_t line_no_ = 0;
  bool ok_ = true;
  bool seen_time_ = false;
};

ParseResult Parser::run(std::string_view input) {
  ParseResult result;
  if (input.size() > kMaxSdpSize) {
    fail(ParseErrorCode::kTooLarge);
    result.error = error_;
    return result;
  }
  bool seen_version = false;
  size_t pos = 0;
  while (pos < input.size()) {
    size_t end = input.find('\n', pos);
    if (end == std::string_view::npos) end = input.size();
    std::string_view line = input.substr(pos, end - pos);
    pos = end + 1;
    ++line_no_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
      fail(ParseErrorCode::kBadLine);
      break;
    }
    const char type = line[0];
    const std::string_view value = line.substr(2);
    if (!seen_version) {
      if (type != 'v') {
        fail(ParseErrorCode::kMissingVersion);
        break;
      }
      if (trim(value) != "0") {
        fail(ParseErrorCode::kBadVersion);
        break;
      }
      seen_version = true;
      continue;
    }
    bool ok = true;
    if (type == 'm') {
      ok = mediaLine(value);
    } else if (type == 'a') {
      ok = attribute(value);
    } else if (media_ != nullptr) {
      if (type == 'c') {
        media_->connection = std::string(trim(value));
      } else if (type == 'b') {
        media_->bandwidths.emplace_back(trim(value));
      } else {
        media_->other_lines.emplace_back(line);
      }
    } else {
      ok = sessionLine(type, value);
    }
    if (!ok) break;
  }
  if (error_.code == ParseErrorCode::kNone && !seen_version) {
    line_no_ = 0;
    fail(ParseErrorCode::kMissingVersion);
  }
  if (error_.code != ParseErrorCode::kNone) {
    result.error = error_;
    return result;
  }
  result.sdp = std::move(sdp_);
  return result;
}

bool Parser::sessionLine(char type, std::string_view value) {
  switch (type) {
    case 'o': {
      auto f = split(trim(value), ' ');
      if (f.size() != 6) return fail(ParseErrorCode::kBadOrigin);
      sdp_.origin = {std::string(f[0]), std::string(f[1]), std::string(f[2]),
                     std::string(f[3]), std::string(f[4]), std::string(f[5])};
      return true;
    }
    case 's':
      sdp_.session_name = value;
      return true;
    case 't':
      if (sdp_.times.size() == 1 && sdp_.times[0] == "0 0" && !seen_time_) sdp_.times.clear();
      seen_time_ = true;
      sdp_.times.emplace_back(trim(value));
      return true;
    case 'c':
      sdp_.connection = std::string(trim(value));
      return true;
    case 'b':
      sdp_.bandwidths.emplace_back(trim(value));
      return true;
    default:
      sdp_.other_lines.push_back(std::string(1, type) + "=" + std::string(value));
      return true;
  }
}

bool Parser::mediaLine(std::string_view value) {
  if (sdp_.media.size() >= kMaxMediaSections) return fail(ParseErrorCode::kTooManyMedia);
  auto f = split(trim(value), ' ');
  if (f.size() < 3) return fail(ParseErrorCode::kBadMediaLine);
  MediaSection m;
  m.kind = f[0];
  auto port = splitOnce(f[1], '/');
  auto p = toNumber<uint16_t>(port.first);
  if (!p) return fail(ParseErrorCode::kBadMediaLine, "port");
  m.port = *p;
  if (port.found) {
    auto n = toNumber<uint16_t>(port.second);
    if (!n) return fail(ParseErrorCode::kBadMediaLine, "port count");
    m.port_count = *n;
  }
  m.proto = f[2];
  for (size_t i = 3; i < f.size(); ++i) m.formats.emplace_back(f[i]);
  if (m.isRtp()) {
    for (const auto& fmt : m.formats) {
      auto pt = toNumber<int>(fmt);
      if (!pt || *pt < 0 || *pt > 127) return fail(ParseErrorCode::kBadMediaLine, "payload type");
      if (!m.findCodec(*pt)) m.codecs.push_back(Codec{*pt});
    }
  }
  sdp_.media.push_back(std::move(m));
  media_ = &sdp_.media.back();
  return true;
}

Codec& Parser::codec(MediaSection& m, int pt) {
  if (Codec* c = m.findCodec(pt)) return *c;
  m.codecs.push_back(Codec{pt});
  return m.codecs.back();
}

bool Parser::attribute(std::string_view line) {
  auto nv = splitOnce(line, ':');
  const std::string_view name = trim(nv.first);
  const std::string_view value = nv.second;
  if (name.empty()) return fail(ParseErrorCode::kBadAttribute, "empty name");
  ok_ = true;
  bool handled = media_ != nullptr ? mediaAttribute(*media_, name, value, nv.found)
                                   : sessionAttribute(name, value, nv.found);
  if (!ok_) return fail(ParseErrorCode::kBadAttribute, std::string(name));
  if (!handled) {
    Attribute a{std::string(name), std::nullopt};
    if (nv.found) a.value = std::string(value);
    if (media_ != nullptr) {
      media_->attributes.push_back(std::move(a));
    } else {
      sdp_.attributes.push_back(std::move(a));
    }
  }
  return true;
}

template <typename Level>
bool Parser::common(Level& level, std::string_view name, std::string_view value, bool has_value) {
  if (name == "ice-ufrag" && has_value) {
    level.ice_ufrag = trim(value);
  } else if (name == "ice-pwd" && has_value) {
    level.ice_pwd = trim(value);
  } else if (name == "ice-options" && has_value) {
    for (auto o : split(trim(value), ' ')) level.ice_options.emplace_back(o);
  } else if (name == "fingerprint") {
    auto fp = parseFingerprint(value);
    if (!fp) return !(ok_ = false);
    level.fingerprints.push_back(std::move(*fp));
  } else if (name == "setup") {
    auto s = parseSetup(trim(value));
    if (!s) return !(ok_ = false);
    level.setup = *s;
  } else if (name == "extmap") {
    auto e = parseExtmap(trim(value));
    if (!e) return !(ok_ = false);
    level.extmaps.push_back(std::move(*e));
  } else if (name == "extmap-allow-mixed" && !has_value) {
    level.extmap_allow_mixed = true;
  } else {
    return false;
  }
  return true;
}

bool Parser::sessionAttribute(std::string_view name, std::string_view value, bool has_value) {
  if (common(sdp_, name, value, has_value)) return true;
  if (name == "ice-lite" && !has_value) {
    sdp_.ice_lite = true;
  } else if (name == "group") {
    auto f = split(trim(value), ' ');
    if (f.empty()) return !(ok_ = false);
    Group g{std::string(f[0]), {}};
    for (size_t i = 1; i < f.size(); ++i) g.mids.emplace_back(f[i]);
    sdp_.groups.push_back(std::move(g));
  } else if (name == "msid-semantic") {
    auto f = split(trim(value), ' ');
    if (f.empty()) return !(ok_ = false);
    MsidSemantic s{std::string(f[0]), {}};
    for (size_t i = 1; i < f.size(); ++i) s.ids.emplace_back(f[i]);
    sdp_.msid_semantic = std::move(s);
  } else {
    return false;
  }
  return true;
}

bool Parser::mediaAttribute(MediaSection& m, std::string_view name, std::string_view value,
                            bool has_value) {
  if (common(m, name, value, has_value)) return true;
  if (!has_value) {
    if (auto d = parseDirection(name)) {
      m.direction = *d;
    } else if (name == "rtcp-mux") {
      m.rtcp_mux = true;
    } else if (name == "rtcp-mux-only") {
      m.rtcp_mux_only = true;
    } else if (name == "rtcp-rsize") {
      m.rtcp_rsize = true;
    } else if (name == "end-of-candidates") {
      m.end_of_candidates = true;
    } else {
      return false;
    }
    return true;
  }
  value = trim(value);
  if (name == "mid") {
    if (value.empty()) return !(ok_ = false);
    m.mid = value;
  } else if (name == "rtcp") {
    m.rtcp = std::string(value);
  } else if (name == "rtpmap") {
    // <pt> <encoding name>/<clock rate>[/<channels>]
    auto p = splitOnce(value, ' ');
    auto pt = toNumber<int>(p.first);
    auto enc = split(trim(p.second), '/');
    if (!pt || *pt < 0 || *pt > 127 || enc.size() < 2 || enc.size() > 3) return !(ok_ = false);
    auto clock = toNumber<uint32_t>(enc[1]);
    std::optional<uint16_t> channels = uint16_t{0};
    if (enc.size() == 3) channels = toNumber<uint16_t>(enc[2]);
    if (!clock || !channels) return !(ok_ = false);
    Codec& c = codec(m, *pt);
    c.name = enc[0];
    c.clock_rate = *clock;
    c.channels = *channels;
  } else if (name == "fmtp") {
    auto p = splitOnce(value, ' ');
    auto pt = toNumber<int>(p.first);
    if (!pt) {
      // Non-RTP formats (e.g. legacy SCTP "a=fmtp:5000 ...") stay unknown attributes.
      if (m.isRtp()) return !(ok_ = false);
      return false;
    }
    if (*pt < 0 || *pt > 127) return !(ok_ = false);
    // An empty parameter list says nothing; creating a codec for it would not survive writing.
    if (!trim(p.second).empty()) codec(m, *pt).fmtp = trim(p.second);
  } else if (name == "rtcp-fb") {
    auto p = splitOnce(value, ' ');
    const std::string_view fb = trim(p.second);
    if (fb.empty()) return !(ok_ = false);
    if (p.first == "*") {
      m.rtcp_fb_wildcard.emplace_back(fb);
    } else {
      auto pt = toNumber<int>(p.first);
      if (!pt || *pt < 0 || *pt > 127) return !(ok_ = false);
      codec(m, *pt).rtcp_fb.emplace_back(fb);
    }
  } else if (name == "candidate") {
    auto c = Candidate::parse(value);
    if (!c) return !(ok_ = false);
    m.candidates.push_back(std::move(*c));
  } else if (name == "msid") {
    auto f = split(value, ' ');
    if (f.empty() || f.size() > 2) return !(ok_ = false);
    m.msids.push_back(Msid{std::string(f[0]), f.size() == 2 ? std::string(f[1]) : std::string()});
  } else if (name == "ssrc") {
    // <ssrc> <attribute>[:<value>]
    auto p = splitOnce(value, ' ');
    auto ssrc = toNumber<uint32_t>(p.first);
    if (!ssrc) return !(ok_ = false);
    auto av = splitOnce(trim(p.second), ':');
    Ssrc& s = m.ssrcEntry(*ssrc);
    if (!av.first.empty()) s.attributes.emplace_back(std::string(av.first), std::string(av.second));
  } else if (name == "ssrc-group") {
    auto f = split(value, ' ');
    if (f.empty()) return !(ok_ = false);
    SsrcGroup g{std::string(f[0]), {}};
    for (size_t i = 1; i < f.size(); ++i) {
      auto s = toNumber<uint32_t>(f[i]);
      if (!s) return !(ok_ = false);
      g.ssrcs.push_back(*s);
    }
    m.ssrc_groups.push_back(std::move(g));
  } else if (name == "rid") {
    auto r = parseRid(value);
    if (!r) return !(ok_ = false);
    m.rids.push_back(std::move(*r));
  } else if (name == "simulcast") {
    auto s = parseSimulcast(value);
    if (!s) return !(ok_ = false);
    m.simulcast = std::move(*s);
  } else if (name == "sctp-port") {
    auto p = toNumber<uint16_t>(value);
    if (!p) return !(ok_ = false);
    m.sctp_port = *p;
  } else if (name == "max-message-size") {
    auto p = toNumber<uint32_t>(value);
    if (!p) return !(ok_ = false);
    m.max_message_size = *p;
  } else if (name == "sctpmap") {
    auto f = split(value, ' ');
    if (f.size() < 2 || f.size() > 3) return !(ok_ = false);
    auto num = toNumber<uint16_t>(f[0]);
    std::optional<uint32_t> streams = uint32_t{0};
    if (f.size() == 3) streams = toNumber<uint32_t>(f[2]);
    if (!num || !streams) return !(ok_ = false);
    m.sctpmap = Sctpmap{*num, std::string(f[1]), *streams};
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::string_view toString(ParseErrorCode c) {
  switch (c) {
    case ParseErrorCode::kNone:
      return "none";
    case ParseErrorCode::kTooLarge:
      return "too_large";
    case ParseErrorCode::kBadLine:
      return "bad_line";
    case ParseErrorCode::kMissingVersion:
      return "missing_version";
    case ParseErrorCode::kBadVersion:
      return "bad_version";
    case ParseErrorCode::kBadOrigin:
      return "bad_origin";
    case ParseErrorCode::kBadMediaLine:
      return "bad_media_line";
    case ParseErrorCode::kBadAttribute:
      return "bad_attribute";
    case ParseErrorCode::kTooManyMedia:
      return "too_many_media";
  }
  return "unknown";
}

ParseResult parse(std::string_view text) { return Parser().run(text); }

}  // namespace sfu::sdp
