#include <fstream>
#include <iostream>
#include <sstream>
#include "sfu/sdp/negotiation.h"
#include "sfu/sdp/sdp_parser.h"
#include "sfu/sdp/sdp_writer.h"
using namespace sfu::sdp;
static std::string slurp(std::istream& in) {
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
int main(int argc, char** argv) {
  std::string mode = argv[1];
  LocalTransport lt{"abcd1234",
                    "0123456789abcdefghijklmn",
                    {"sha-256",
                     "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:"
                     "33:44:55:66:77:88:99"},
                    {{"127.0.0.1", 40000, 40000}},
                    "42",
                    1};
  auto caps = Capabilities::defaults();
  if (mode == "answer") {
    auto p = parse(slurp(std::cin));
    if (!p.ok()) {
      std::cerr << "parse " << toString(p.error.code) << p.error.line << "\n";
      return 1;
    }
    auto a = createAnswer(*p.sdp, caps, lt);
    if (!a.ok) {
      std::cerr << a.error << "\n";
      return 1;
    }
    std::cout << write(a.answer);
  } else if (mode == "suboffer") {
    std::vector<OutgoingTrack> t = {
        {"0", "audio", OutgoingTrack::State::kActive, "userA", "mic", "cnA", 1111, 0, {}},
        {"1", "video", OutgoingTrack::State::kActive, "userA", "cam", "cnA", 2222, 3333, {}},
        {"2", "video", OutgoingTrack::State::kInactive, "", "", "", 0, 0, {}},
        {"3", "video", OutgoingTrack::State::kStopped, "", "", "", 0, 0, {}},
        {"4", "application", OutgoingTrack::State::kActive, "", "", "", 0, 0, {}},
    };
    auto o = createSubscribeOffer(t, caps, lt);
    std::cout << write(o.offer);
  } else if (mode == "apply") {
    std::ifstream f(argv[2]);
    auto o = parse(slurp(f));
    auto a = parse(slurp(std::cin));
    if (!o.ok() || !a.ok()) {
      std::cerr << "parse\n";
      return 1;
    }
    auto r = applySubscribeAnswer(*o.sdp, *a.sdp);
    if (!r.ok) {
      std::cerr << r.error << "\n";
      return 1;
    }
    for (auto& m : r.media) {
      std::cout << m.mid << " " << m.kind << " rejected=" << m.rejected
                << " dir=" << toString(m.direction) << " codecs=";
      for (auto& c : m.codecs)
        std::cout << c.name << "/" << c.pt << (c.rtx_pt ? "+rtx" + std::to_string(*c.rtx_pt) : "")
                  << ",";
      std::cout << " mid_ext=" << m.ext_ids.mid << " twcc=" << m.ext_ids.transport_cc << "\n";
    }
    std::cout << "dtls_client=" << r.remote.dtls_client << " ufrag=" << r.remote.ice_ufrag << "\n";
  }
}
