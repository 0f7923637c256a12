#include "signaling/sio/sio_metrics.h"

#include <array>
#include <string>

#include "sfu/metrics/registry.h"

namespace signaling::sio {
namespace {

// Events of the call guide and DESIGN.md's extensions, both directions; "other" last.
constexpr std::array<std::string_view, 18> kKnownEvents = {
    "authenticate",
    "authenticated",
    "error",
    "webrtc_offer",
    "webrtc_answer",
    "webrtc_ice_candidate",
    "webrtc_call_ringing",
    "webrtc_call_accepted",
    "webrtc_call_rejected",
    "webrtc_call_ended",
    "webrtc_call_answered_elsewhere",
    "webrtc_set_preferences",
    "webrtc_participant_joined",
    "webrtc_participant_left",
    "webrtc_active_speaker",
    "webrtc_layers",
    "server_shutdown",
    "other",
};

}  // namespace

std::string_view SioMetrics::label(std::string_view event) {
  for (auto known : kKnownEvents) {
    if (known == event) return known;
  }
  return "other";
}

SioMetrics& SioMetrics::instance() {
  static SioMetrics metrics;
  return metrics;
}

SioMetrics::SioMetrics() {
  auto& registry = sfu::metrics::registry();
  connections_ = &prometheus::BuildGauge()
                      .Name("sfu_socketio_connections")
                      .Help("Connected Socket.IO sockets (authenticated)")
                      .Register(registry)
                      .Add({});
  engine_sessions_ = &prometheus::BuildGauge()
                          .Name("sfu_engineio_sessions")
                          .Help("Open Engine.IO sessions (polling or WebSocket)")
                          .Register(registry)
                          .Add({});
  connect_errors_ = &prometheus::BuildCounter()
                         .Name("sfu_socketio_connect_errors_total")
                         .Help("Socket.IO CONNECT refused (missing or invalid token)")
                         .Register(registry)
                         .Add({});
  protocol_errors_ = &prometheus::BuildCounter()
                          .Name("sfu_socketio_protocol_errors_total")
                          .Help("Malformed Engine.IO/Socket.IO packets (the session is closed)")
                          .Register(registry)
                          .Add({});
  auto& in = prometheus::BuildCounter()
                 .Name("sfu_socketio_events_total")
                 .Help("Socket.IO events received from clients, by event name")
                 .Register(registry);
  auto& out = prometheus::BuildCounter()
                  .Name("sfu_socketio_emits_total")
                  .Help("Socket.IO events sent to clients, by event name")
                  .Register(registry);
  for (auto name : kKnownEvents) {
    events_in_.emplace_back(name, &in.Add({{"event", std::string(name)}}));
    events_out_.emplace_back(name, &out.Add({{"event", std::string(name)}}));
  }
}

prometheus::Counter& SioMetrics::find(const Series& series, std::string_view event) {
  const auto name = label(event);
  for (const auto& [known, counter] : series) {
    if (known == name) return *counter;
  }
  return *series.back().second;
}

}  // namespace signaling::sio
