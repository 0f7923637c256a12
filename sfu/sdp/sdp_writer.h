// SessionDescription → SDP text with "\r\n" line ends, attributes in the order Chrome writes
// them (transport, mid, extmaps, direction, msid, rtcp, codecs, ssrcs, rid/simulcast, sctp,
// candidates), then preserved unknown attributes.
#pragma once

#include <string>

#include "sfu/sdp/session_description.h"

namespace sfu::sdp {

std::string write(const SessionDescription& sdp);

std::string formatSimulcastStreams(const SimulcastStreams& streams);
std::string formatRid(const Rid& rid);

}  // namespace sfu::sdp
