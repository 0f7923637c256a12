// The narrow interface signaling uses to drive the media server (DESIGN.md: create/close a session,
// apply an offer, produce an answer or offer, trickle, leave, stats). Thread-safe to call from the
// signaling thread: implementations post to the owning worker and deliver results by posting the
// callback back to the executor given at construction. SDP travels as plain strings.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sfu {

struct TrackSource {
  std::string mid;
  std::string source;  // microphone | camera | screen | screen_audio
};

// Dynacast guidance for one simulcast track of a publisher (webrtc_layers event).
struct PublisherLayers {
  std::string track_id;
  std::string mid;
  std::string source;                 // camera | screen
  std::vector<std::string> active;    // rids some subscriber may take, lowest first
  std::vector<std::string> inactive;  // rids nobody takes now: the encoder may pause them
};

// Result of an SDP operation: an SDP on success, or an error message.
struct SdpResult {
  bool ok = false;
  std::string sdp;
  std::string error;
};
using SdpCallback = std::function<void(SdpResult)>;

class MediaApi {
 public:
  // Events from the media server, delivered on the signaling executor.
  class Listener {
   public:
    virtual ~Listener() = default;
    // The server (re-)offers a participant's subscribe PeerConnection.
    virtual void onMediaSubscribeOffer(const std::string& room_id, const std::string& user_id,
                                       const std::string& sdp) = 0;
    // A participant's transport died (ICE consent expiry, DTLS failure): treat as having left.
    virtual void onMediaTransportClosed(const std::string& room_id, const std::string& user_id,
                                        const std::string& reason) = 0;
    virtual void onMediaActiveSpeaker(const std::string& room_id, const std::string& user_id) = 0;
    // Dynacast: which simulcast layers of the user's track anyone takes (optional to handle).
    virtual void onMediaPublisherLayers(const std::string& room_id, const std::string& user_id,
                                        const PublisherLayers& layers) {
      (void)room_id;
      (void)user_id;
      (void)layers;
    }
  };

  virtual ~MediaApi() = default;
  virtual void setListener(Listener* listener) = 0;

  // Group calls: the client's publish offer → the server's answer.
  virtual void publish(const std::string& room_id, const std::string& user_id,
                       const std::string& offer_sdp, const std::vector<TrackSource>& tracks,
                       SdpCallback done) = 0;
  // The client's answer to a subscribe offer.
  virtual void subscribeAnswer(const std::string& room_id, const std::string& user_id,
                               const std::string& answer_sdp) = 0;
  // Per-subscriber preferences (e.g. {"max_layer": 0..2} per track).
  virtual void setPreferences(const std::string& room_id, const std::string& user_id,
                              const nlohmann::json& prefs) = 0;
  virtual void leave(const std::string& room_id, const std::string& user_id) = 0;
  virtual void closeRoom(const std::string& room_id) = 0;

  // Echo test: the client's offer → an answer whose session sends the client's media back.
  struct EchoResult {
    bool ok = false;
    std::string session_id;
    std::string sdp;
    std::string error;
  };
  virtual void echoStart(const std::string& offer_sdp, std::function<void(EchoResult)> done) = 0;
  virtual void echoStop(const std::string& session_id) = 0;

  // Per-room quality statistics (loss, jitter, RTT per participant and direction).
  virtual void roomStats(const std::string& room_id, std::function<void(nlohmann::json)> done) = 0;
  // The same, with the JSON built only when the caller asks for it (for a poller that keeps the
  // last statistics and seldom reads them): `done` gets a function returning the JSON, which the
  // caller may keep and call any number of times on its own thread, or an empty function when the
  // room is unknown. The default wraps roomStats.
  using StatsFn = std::function<nlohmann::json()>;
  virtual void roomStatsLazy(const std::string& room_id, std::function<void(StatsFn)> done) {
    roomStats(room_id, [done = std::move(done)](nlohmann::json j) {
      if (!j.is_object() || j.contains("error") || !j.contains("participants")) {
        done(StatsFn{});
        return;
      }
      done([j = std::move(j)] { return j; });
    });
  }
};

}  // namespace sfu
