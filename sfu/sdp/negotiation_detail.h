// Helpers shared by the answer and the subscribe-offer code (internal to sfu/sdp).
#pragma once

#include <vector>

#include "sfu/sdp/negotiation.h"

namespace sfu::sdp::detail {

ExtensionIds extensionIds(const std::vector<Extmap>& extmaps);
// ICE credentials, fingerprints, candidates of the remote side, taken from `m` with session-level
// fallback. dtls_client is left for the caller.
RemoteTransport remoteTransport(const SessionDescription& sdp, const MediaSection& m);
// Our ICE/DTLS attributes, connection line, port and candidates on an accepted m-line.
void applyLocalTransport(MediaSection& m, const LocalTransport& local, Setup setup,
                         const std::vector<Candidate>& candidates);
// Media SSRCs, FID pairs and msid signalled in `m`.
void readSenderInfo(const MediaSection& m, NegotiatedMedia& out);
std::vector<Codec> toSdpCodecs(const std::vector<NegotiatedCodec>& codecs);

}  // namespace sfu::sdp::detail
