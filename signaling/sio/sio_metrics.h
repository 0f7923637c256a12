// Prometheus series of the Socket.IO layer. Event labels come from a fixed list of known names
// (anything else counts as "other"), so clients cannot grow the label set.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include <string_view>
#include <utility>
#include <vector>

namespace signaling::sio {

class SioMetrics {
 public:
  static SioMetrics& instance();

  void socketConnected() { connections_->Increment(); }
  void socketDisconnected() { connections_->Decrement(); }
  void connectError() { connect_errors_->Increment(); }
  void engineOpened() { engine_sessions_->Increment(); }
  void engineClosed() { engine_sessions_->Decrement(); }
  void eventIn(std::string_view event) { find(events_in_, event).Increment(); }
  void eventOut(std::string_view event) { find(events_out_, event).Increment(); }
  void protocolError() { protocol_errors_->Increment(); }

  // The label value used for an event name: itself if known, else "other".
  static std::string_view label(std::string_view event);

 private:
  SioMetrics();
  using Series = std::vector<std::pair<std::string_view, prometheus::Counter*>>;
  static prometheus::Counter& find(const Series& series, std::string_view event);

  prometheus::Gauge* connections_;
  prometheus::Gauge* engine_sessions_;
  prometheus::Counter* connect_errors_;
  prometheus::Counter* protocol_errors_;
  Series events_in_;
  Series events_out_;
};

}  // namespace signaling::sio
