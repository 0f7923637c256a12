#include "signaling/http/http_session.h"

#include <boost/beast/websocket.hpp>

#include "sfu/common/log.h"
#include "signaling/http/http_metrics.h"
#include "signaling/http/ws_connection_impl.h"
#include "signaling/sio/socket_hub.h"

namespace signaling::http {

namespace beast = boost::beast;

namespace {

template <class Stream>
constexpr bool kIsTls = !std::is_same_v<Stream, beast::tcp_stream>;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Response errorEnvelope(bhttp::status status, std::string_view code, std::string_view message,
                       unsigned version) {
  return errorResponse(ApiError(static_cast<int>(status), std::string(code), std::string(message)),
                       version);
}

}  // namespace

template <class Stream>
HttpSession<Stream>::HttpSession(Stream&& stream, std::shared_ptr<ServerCore> core,
                                 std::string remote)
    : stream_(std::move(stream)), core_(std::move(core)), remote_(std::move(remote)) {
  ++core_->connections;
  HttpMetrics::instance().connectionOpened();
}

template <class Stream>
HttpSession<Stream>::~HttpSession() {
  --core_->connections;
  HttpMetrics::instance().connectionClosed();
}

template <class Stream>
void HttpSession<Stream>::run() {
  if constexpr (kIsTls<Stream>) {
    beast::get_lowest_layer(stream_).expires_after(core_->options.handshake_timeout);
    stream_.async_handshake(boost::asio::ssl::stream_base::server,
                            [self = this->shared_from_this()](beast::error_code ec) {
                              if (ec) {
                                SFU_LOG_DEBUG("http", "tls handshake failed remote={} error={}",
                                              self->remote_, ec.message());
                                return;
                              }
                              self->doRead();
                            });
  } else {
    doRead();
  }
}

template <class Stream>
void HttpSession<Stream>::doRead() {
  if (core_->stopped) {
    doClose();
    return;
  }
  parser_.emplace();
  parser_->body_limit(core_->options.body_limit);
  parser_->header_limit(static_cast<uint32_t>(core_->options.header_limit));
  beast::get_lowest_layer(stream_).expires_after(first_ ? core_->options.header_timeout
                                                        : core_->options.idle_timeout);
  bhttp::async_read_header(
      stream_, buffer_, *parser_,
      [self = this->shared_from_this()](beast::error_code ec, size_t) { self->onHeader(ec); });
}

template <class Stream>
void HttpSession<Stream>::onHeader(beast::error_code ec) {
  first_ = false;
  if (ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == boost::asio::error::operation_aborted || ec == boost::asio::error::eof ||
        ec == boost::asio::ssl::error::stream_truncated) {
      doClose();
    } else if (ec == bhttp::error::body_limit) {
      // Beast checks a declared Content-Length against the body limit with the header.
      fail(bhttp::status::payload_too_large, "payload_too_large", "Request body too large");
    } else if (ec == bhttp::error::header_limit) {
      fail(bhttp::status::request_header_fields_too_large, "header_too_large",
           "Request header too large");
    } else {
      fail(bhttp::status::bad_request, "bad_request", "Malformed HTTP request");
    }
    return;
  }
  auto& header = parser_->get();
  meta_ = RequestMeta{};
  meta_.method = header.method();
  meta_.version = header.version();
  meta_.keep_alive = header.keep_alive();
  meta_.start = std::chrono::steady_clock::now();
  if (auto len = parser_->content_length(); len && *len > core_->options.body_limit) {
    fail(bhttp::status::payload_too_large, "payload_too_large", "Request body too large");
    return;
  }
  // RFC 9110 §10.1.1: a client that sent "Expect: 100-continue" waits for an interim response.
  if (iequals(header[bhttp::field::expect], "100-continue")) {
    continue_ = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                     header.version());
    bhttp::async_write(
        stream_, *continue_, [self = this->shared_from_this()](beast::error_code wec, size_t) {
          self->continue_.reset();
          if (wec) return self->doClose();
          beast::get_lowest_layer(self->stream_).expires_after(self->core_->options.body_timeout);
          bhttp::async_read(self->stream_, self->buffer_, *self->parser_,
                            [self](beast::error_code rec, size_t) { self->onBody(rec); });
        });
    return;
  }
  beast::get_lowest_layer(stream_).expires_after(core_->options.body_timeout);
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = this->shared_from_this()](beast::error_code rec, size_t) { self->onBody(rec); });
}

template <class Stream>
void HttpSession<Stream>::onBody(beast::error_code ec) {
  if (ec) {
    if (ec == bhttp::error::body_limit) {
      fail(bhttp::status::payload_too_large, "payload_too_large", "Request body too large");
    } else if (ec == beast::error::timeout || ec == bhttp::error::end_of_stream ||
               ec == boost::asio::error::eof) {
      doClose();
    } else {
      fail(bhttp::status::bad_request, "bad_request", "Malformed HTTP request");
    }
    return;
  }
  dispatch(parser_->release());
}

template <class Stream>
void HttpSession<Stream>::dispatch(Request req) {
  RequestMeta meta = meta_;
  meta.origin = std::string(req[bhttp::field::origin]);
  if (core_->stopped) {
    send(errorEnvelope(bhttp::status::service_unavailable, "unavailable", "Server stopping",
                       req.version()),
         meta, true);
    return;
  }
  if (ServerCore::isEnginePath(req.target()) && !CorsPolicy::isPreflight(req)) {
    meta.route = "/socket.io/";
    if (boost::beast::websocket::is_upgrade(req)) {
      upgradeToWebSocket(std::move(req), std::move(meta));
      return;
    }
    // Long-polling: the answer may come much later; no timeout while we wait for it.
    deferred_ = true;
    beast::get_lowest_layer(stream_).expires_never();
    // The sink owns the session while the engine holds it: nothing else does during the wait.
    core_->hub->engine().handlePolling(req, remote_,
                                       [self = this->shared_from_this(), meta](Response res) {
                                         if (!self->deferred_) return;
                                         self->deferred_ = false;
                                         self->send(std::move(res), meta);
                                       });
    return;
  }
  Response res = core_->handle(req, remote_, meta);
  send(std::move(res), std::move(meta));
}

template <class Stream>
void HttpSession<Stream>::upgradeToWebSocket(Request req, RequestMeta meta) {
  if (auto error = core_->hub->engine().checkWebSocket(req)) {
    send(std::move(*error), std::move(meta), true);
    return;
  }
  sio::HandshakeInfo handshake;
  const auto [path, query] = splitTarget(req.target());
  (void)path;
  handshake.query = std::string(query);
  handshake.authorization = std::string(req[bhttp::field::authorization]);
  handshake.remote = remote_;
  const std::string target(req.target());

  WsLimits limits = core_->options.ws_limits;
  limits.max_message_bytes = core_->hub->engine().options().max_payload;  // Engine.IO maxPayload
  // The WebSocket keeps the connection count up for as long as it lives.
  auto core = core_;
  ++core->connections;
  HttpMetrics::instance().connectionOpened();
  std::shared_ptr<void> guard(nullptr, [core](void*) {
    --core->connections;
    HttpMetrics::instance().connectionClosed();
  });
  auto ws = std::make_shared<WsConnectionImpl<Stream>>(std::move(stream_), remote_, limits,
                                                       core_->options.handshake_timeout, guard);
  HttpMetrics::instance().observe(
      meta.route, 101,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - meta.start).count());
  closed_ = true;  // the stream now belongs to the WebSocket
  ws->accept(std::move(req), [core, target, handshake](std::shared_ptr<WsConnection> conn) {
    if (core->stopped || !core->hub) {
      conn->close();
      return;
    }
    core->hub->engine().attachWebSocket(std::move(conn), target, handshake);
  });
}

template <class Stream>
void HttpSession<Stream>::fail(bhttp::status status, std::string_view code,
                               std::string_view message) {
  RequestMeta meta = meta_;
  meta.start = std::chrono::steady_clock::now();
  meta.origin.clear();
  meta.route = "bad_request";
  meta.keep_alive = false;
  send(errorEnvelope(status, code, message, meta.version ? meta.version : 11), meta, true);
}

template <class Stream>
void HttpSession<Stream>::send(Response res, RequestMeta meta, bool close_after) {
  if (closed_) return;
  const bool keep_alive = meta.keep_alive && !close_after && !core_->stopped;
  res.version(meta.version);
  res.keep_alive(keep_alive);
  res.set(bhttp::field::server, "sfu-server");
  if (!meta.origin.empty() && res.find(bhttp::field::access_control_allow_origin) == res.end()) {
    core_->cors.decorate(res, meta.origin);
  }
  if (meta.method == bhttp::verb::head) {
    const auto length = res.body().size();
    res.body().clear();
    res.content_length(length);
  }
  out_ = std::make_shared<Response>(std::move(res));
  meta_ = std::move(meta);  // its route and start time are recorded in onWrite
  meta_.keep_alive = keep_alive;
  beast::get_lowest_layer(stream_).expires_after(core_->options.write_timeout);
  bhttp::async_write(stream_, *out_,
                     [self = this->shared_from_this(), close = !keep_alive](
                         beast::error_code ec, size_t) { self->onWrite(ec, close); });
}

template <class Stream>
void HttpSession<Stream>::onWrite(beast::error_code ec, bool close) {
  const unsigned status = out_ ? out_->result_int() : 0;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - meta_.start).count();
  HttpMetrics::instance().observe(meta_.route, status, seconds);
  SFU_LOG_DEBUG("http", "request method={} route={} status={} ms={:.1f} remote={}",
                std::string_view(bhttp::to_string(meta_.method)), meta_.route, status,
                seconds * 1000, remote_);
  out_.reset();
  if (ec || close) {
    doClose();
    return;
  }
  doRead();
}

template <class Stream>
void HttpSession<Stream>::doClose() {
  if (closed_) return;
  closed_ = true;
  if constexpr (kIsTls<Stream>) {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(3));
    stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
      beast::get_lowest_layer(self->stream_).close();
    });
  } else {
    // Lingering close: half-close, then drain what the client still sends (e.g. the rest of a
    // refused body) so the kernel does not answer it with a RST that destroys our response.
    beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    drain();
  }
}

template <class Stream>
void HttpSession<Stream>::drain() {
  if constexpr (!kIsTls<Stream>) {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(16384),
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) {
                                self->stream_.close();
                                return;
                              }
                              self->drain();
                            });
  }
}

template class HttpSession<beast::tcp_stream>;
template class HttpSession<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace signaling::http
