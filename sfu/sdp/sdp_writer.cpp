#include "sfu/sdp/sdp_writer.h"

#include "sfu/sdp/text_util.h"

namespace sfu::sdp {
namespace {

class Out {
 public:
  void line(char type, std::string_view value) {
    s_ += type;
    s_ += '=';
    s_ += value;
    s_ += "\r\n";
  }
  void attr(std::string_view name) {
    s_ += "a=";
    s_ += name;
    s_ += "\r\n";
  }
  void attr(std::string_view name, std::string_view value) {
    s_ += "a=";
    s_ += name;
    s_ += ':';
    s_ += value;
    s_ += "\r\n";
  }
  void raw(std::string_view l) {
    s_ += l;
    s_ += "\r\n";
  }
  std::string take() { return std::move(s_); }

 private:
  std::string s_;
};

std::string formatExtmap(const Extmap& e) {
  std::string v = std::to_string(e.id);
  if (e.direction != Direction::kUnspecified) {
    v += '/';
    v += toString(e.direction);
  }
  v += ' ' + e.uri;
  if (!e.attributes.empty()) v += ' ' + e.attributes;
  return v;
}

template <typename Level>
void writeTransport(Out& o, const Level& l) {
  if (!l.ice_ufrag.empty()) o.attr("ice-ufrag", l.ice_ufrag);
  if (!l.ice_pwd.empty()) o.attr("ice-pwd", l.ice_pwd);
  if (!l.ice_options.empty()) o.attr("ice-options", text::join(l.ice_options, " "));
  for (const auto& f : l.fingerprints) o.attr("fingerprint", f.algorithm + " " + f.value);
  if (l.setup != Setup::kUnspecified) o.attr("setup", toString(l.setup));
}

void writeAttributes(Out& o, const std::vector<Attribute>& attrs) {
  for (const auto& a : attrs) {
    if (a.value) {
      o.attr(a.name, *a.value);
    } else {
      o.attr(a.name);
    }
  }
}

void writeMedia(Out& o, const MediaSection& m) {
  std::string mline = m.kind + " " + std::to_string(m.port);
  if (m.port_count) mline += "/" + std::to_string(*m.port_count);
  mline += " " + m.proto;
  for (const auto& f : m.formats) mline += " " + f;
  o.line('m', mline);
  for (const auto& l : m.other_lines) o.raw(l);
  if (m.connection) o.line('c', *m.connection);
  for (const auto& b : m.bandwidths) o.line('b', b);
  if (m.rtcp) o.attr("rtcp", *m.rtcp);
  writeTransport(o, m);
  if (!m.mid.empty()) o.attr("mid", m.mid);
  for (const auto& e : m.extmaps) o.attr("extmap", formatExtmap(e));
  if (m.extmap_allow_mixed) o.attr("extmap-allow-mixed");
  if (m.direction != Direction::kUnspecified) o.attr(toString(m.direction));
  for (const auto& ms : m.msids) {
    o.attr("msid", ms.track_id.empty() ? ms.stream_id : ms.stream_id + " " + ms.track_id);
  }
  if (m.rtcp_mux) o.attr("rtcp-mux");
  if (m.rtcp_mux_only) o.attr("rtcp-mux-only");
  if (m.rtcp_rsize) o.attr("rtcp-rsize");
  for (const auto& fb : m.rtcp_fb_wildcard) o.attr("rtcp-fb", "* " + fb);
  for (const auto& c : m.codecs) {
    const std::string pt = std::to_string(c.pt);
    if (!c.name.empty()) {
      std::string map = pt + " " + c.name + "/" + std::to_string(c.clock_rate);
      if (c.channels != 0) map += "/" + std::to_string(c.channels);
      o.attr("rtpmap", map);
    }
    for (const auto& fb : c.rtcp_fb) o.attr("rtcp-fb", pt + " " + fb);
    if (!c.fmtp.empty()) o.attr("fmtp", pt + " " + c.fmtp);
  }
  for (const auto& g : m.ssrc_groups) {
    std::string v = g.semantics;
    for (uint32_t s : g.ssrcs) v += " " + std::to_string(s);
    o.attr("ssrc-group", v);
  }
  for (const auto& s : m.ssrcs) {
    if (s.attributes.empty()) o.attr("ssrc", std::to_string(s.ssrc));  // tolerated bare form
    for (const auto& [k, v] : s.attributes) {
      o.attr("ssrc", std::to_string(s.ssrc) + " " + k + (v.empty() ? "" : ":" + v));
    }
  }
  for (const auto& r : m.rids) o.attr("rid", formatRid(r));
  if (m.simulcast) {
    std::string v;
    if (!m.simulcast->send.empty()) v += "send " + formatSimulcastStreams(m.simulcast->send);
    if (!m.simulcast->recv.empty()) {
      if (!v.empty()) v += ' ';
      v += "recv " + formatSimulcastStreams(m.simulcast->recv);
    }
    o.attr("simulcast", v);
  }
  if (m.sctp_port) o.attr("sctp-port", std::to_string(*m.sctp_port));
  if (m.max_message_size) o.attr("max-message-size", std::to_string(*m.max_message_size));
  if (m.sctpmap) {
    o.attr("sctpmap", std::to_string(m.sctpmap->number) + " " + m.sctpmap->app + " " +
                          std::to_string(m.sctpmap->streams));
  }
  for (const auto& c : m.candidates) o.attr("candidate", c.toString());
  if (m.end_of_candidates) o.attr("end-of-candidates");
  writeAttributes(o, m.attributes);
}

}  // namespace

std::string formatSimulcastStreams(const SimulcastStreams& streams) {
  std::string v;
  for (size_t i = 0; i < streams.size(); ++i) {
    if (i) v += ';';
    for (size_t j = 0; j < streams[i].size(); ++j) {
      if (j) v += ',';
      if (streams[i][j].paused) v += '~';
      v += streams[i][j].rid;
    }
  }
  return v;
}

std::string formatRid(const Rid& r) {
  std::string v = r.id + (r.direction == RidDirection::kSend ? " send" : " recv");
  std::string params;
  if (!r.payload_types.empty()) {
    params = "pt=";
    for (size_t i = 0; i < r.payload_types.size(); ++i) {
      if (i) params += ',';
      params += std::to_string(r.payload_types[i]);
    }
  }
  for (const auto& [k, val] : r.restrictions) {
    if (!params.empty()) params += ';';
    params += k;
    if (!val.empty()) params += "=" + val;
  }
  if (!params.empty()) v += " " + params;
  return v;
}

std::string write(const SessionDescription& sdp) {
  Out o;
  o.line('v', std::to_string(sdp.version));
  const Origin& og = sdp.origin;
  o.line('o', og.username + " " + og.session_id + " " + og.session_version + " " + og.net_type +
                  " " + og.addr_type + " " + og.address);
  o.line('s', sdp.session_name.empty() ? "-" : sdp.session_name);
  for (const auto& l : sdp.other_lines) o.raw(l);
  if (sdp.connection) o.line('c', *sdp.connection);
  for (const auto& b : sdp.bandwidths) o.line('b', b);
  for (const auto& t : sdp.times) o.line('t', t);
  if (sdp.ice_lite) o.attr("ice-lite");
  writeTransport(o, sdp);
  for (const auto& g : sdp.groups) {
    o.attr("group", g.mids.empty() ? g.semantics : g.semantics + " " + text::join(g.mids, " "));
  }
  if (sdp.extmap_allow_mixed) o.attr("extmap-allow-mixed");
  if (sdp.msid_semantic) {
    std::string v = " " + sdp.msid_semantic->semantic;  // Chrome writes "msid-semantic: WMS"
    for (const auto& id : sdp.msid_semantic->ids) v += " " + id;
    o.attr("msid-semantic", v);
  }
  for (const auto& e : sdp.extmaps) o.attr("extmap", formatExtmap(e));
  writeAttributes(o, sdp.attributes);
  for (const auto& m : sdp.media) writeMedia(o, m);
  return o.take();
}

}  // namespace sfu::sdp
