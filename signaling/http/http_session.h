// One HTTP/1.1 connection (plain or TLS): reads requests one at a time with header, body and
// idle timeouts, answers them through ServerCore, hands Engine.IO polling requests to the
// SocketHub (whose answer may come later: long-polling) and WebSocket upgrades on /socket.io/ to
// a WsConnection. Keep-alive; no pipelining (the next request is read after the response).
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <optional>
#include <string>

#include "signaling/http/server_core.h"

namespace signaling::http {

template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(Stream&& stream, std::shared_ptr<ServerCore> core, std::string remote);
  ~HttpSession();

  void run();

 private:
  void doRead();
  void onHeader(boost::beast::error_code ec);
  void onBody(boost::beast::error_code ec);
  void dispatch(Request req);
  void upgradeToWebSocket(Request req, RequestMeta meta);
  void fail(bhttp::status status, std::string_view code, std::string_view message);
  void send(Response res, RequestMeta meta, bool close_after = false);
  void onWrite(boost::beast::error_code ec, bool close);
  void doClose();
  void drain();

  Stream stream_;
  std::shared_ptr<ServerCore> core_;
  std::string remote_;
  boost::beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Response> out_;
  std::shared_ptr<bhttp::response<bhttp::empty_body>> continue_;
  RequestMeta meta_;
  bool first_ = true;
  bool deferred_ = false;  // waiting for a long-poll answer
  bool closed_ = false;
};

using PlainHttpSession = HttpSession<boost::beast::tcp_stream>;
using TlsHttpSession = HttpSession<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

}  // namespace signaling::http
