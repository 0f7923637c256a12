#include "signaling/http/ws_connection_impl.h"

#include "sfu/common/log.h"

namespace signaling::http {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

template <class Stream>
WsConnectionImpl<Stream>::WsConnectionImpl(Stream&& stream, std::string remote, WsLimits limits,
                                           std::chrono::milliseconds handshake_timeout,
                                           std::shared_ptr<void> guard)
    : ws_(std::move(stream)),
      remote_(std::move(remote)),
      limits_(limits),
      guard_(std::move(guard)) {
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = handshake_timeout;
  // Liveness is Engine.IO's job (its ping/pong); no idle timeout or WebSocket pings here.
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(bhttp::field::server, "sfu-server"); }));
  ws_.read_message_max(limits_.max_message_bytes);
  ws_.auto_fragment(false);
}

template <class Stream>
void WsConnectionImpl<Stream>::accept(
    Request request, std::function<void(std::shared_ptr<WsConnection>)> on_accepted) {
  // The request must outlive the asynchronous accept.
  auto req = std::make_shared<Request>(std::move(request));
  ws_.async_accept(*req, [self = this->shared_from_this(), req,
                          on_accepted = std::move(on_accepted)](beast::error_code ec) {
    if (ec) {
      SFU_LOG_DEBUG("http", "websocket handshake failed remote={} error={}", self->remote_,
                    ec.message());
      self->finished_ = true;
      return;
    }
    self->open_ = true;
    on_accepted(self);
  });
}

template <class Stream>
void WsConnectionImpl<Stream>::start(Callbacks callbacks) {
  callbacks_ = std::move(callbacks);
  if (!reading_ && open_) {
    reading_ = true;
    doRead();
  }
}

template <class Stream>
void WsConnectionImpl<Stream>::detach() {
  callbacks_ = {};
}

template <class Stream>
void WsConnectionImpl<Stream>::doRead() {
  ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, size_t n) {
    self->onRead(ec, n);
  });
}

template <class Stream>
void WsConnectionImpl<Stream>::onRead(beast::error_code ec, size_t) {
  if (ec) {
    std::string_view reason = "transport error";
    if (ec == websocket::error::closed) reason = "transport close";
    if (ec == websocket::error::message_too_big) reason = "payload too large";
    finish(reason);
    return;
  }
  std::string message = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  const bool binary = ws_.got_binary();
  // Keep ourselves alive across the callback (it may drop the owner's reference).
  auto self = this->shared_from_this();
  if (callbacks_.on_message) callbacks_.on_message(std::move(message), binary);
  if (!finished_) doRead();
}

template <class Stream>
bool WsConnectionImpl<Stream>::send(std::string text) {
  if (!open_ || closing_ || finished_) return false;
  if (queued_bytes_ + text.size() > limits_.max_queued_bytes ||
      queue_.size() + 1 > limits_.max_queued_messages) {
    SFU_LOG_WARN("http", "websocket send queue overflow remote={} queued_bytes={}", remote_,
                 queued_bytes_);
    // Overflow policy: drop the connection. Cancel in-flight I/O rather than wait for the peer.
    beast::get_lowest_layer(ws_).cancel();
    finish("send queue overflow");
    return false;
  }
  queued_bytes_ += text.size();
  queue_.push_back(std::move(text));
  if (!writing_) doWrite();
  return true;
}

template <class Stream>
void WsConnectionImpl<Stream>::doWrite() {
  if (queue_.empty()) {
    writing_ = false;
    if (closing_) doClose();
    return;
  }
  writing_ = true;
  ws_.text(true);
  ws_.async_write(
      boost::asio::buffer(queue_.front()),
      [self = this->shared_from_this()](beast::error_code ec, size_t n) { self->onWrite(ec, n); });
}

template <class Stream>
void WsConnectionImpl<Stream>::onWrite(beast::error_code ec, size_t) {
  if (!queue_.empty()) {
    queued_bytes_ -= queue_.front().size();
    queue_.pop_front();
  }
  if (ec) {
    writing_ = false;
    finish("transport error");
    return;
  }
  if (finished_) {
    writing_ = false;
    return;
  }
  doWrite();
}

template <class Stream>
void WsConnectionImpl<Stream>::close() {
  if (!open_ || closing_ || finished_) return;
  closing_ = true;
  // A peer that stopped reading must not keep a write (and us) pending forever.
  beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(5));
  if (!writing_) doClose();
}

template <class Stream>
void WsConnectionImpl<Stream>::doClose() {
  if (close_sent_ || finished_) return;
  close_sent_ = true;
  // Bound the closing handshake: a peer that never answers must not hold the socket.
  beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(5));
  ws_.async_close(
      websocket::close_code::normal,
      [self = this->shared_from_this()](beast::error_code) { self->finish("server close"); });
}

template <class Stream>
void WsConnectionImpl<Stream>::finish(std::string_view reason) {
  if (finished_) return;
  finished_ = true;
  open_ = false;
  auto on_close = std::move(callbacks_.on_close);
  callbacks_ = {};
  if (!close_sent_) {
    // Not a graceful close: tear the TCP connection down so pending reads complete.
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both,
                                                   ignored);
    beast::get_lowest_layer(ws_).close();
  }
  if (on_close) on_close(reason);
}

template class WsConnectionImpl<beast::tcp_stream>;
template class WsConnectionImpl<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace signaling::http
