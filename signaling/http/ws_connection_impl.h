// Beast implementation of WsConnection for a plain or TLS stream (explicitly instantiated in
// ws_connection_impl.cpp for beast::tcp_stream and beast::ssl_stream<beast::tcp_stream>).
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>

#include "signaling/http/http_types.h"
#include "signaling/http/ws_connection.h"

namespace signaling::http {

template <class Stream>
class WsConnectionImpl : public WsConnection,
                         public std::enable_shared_from_this<WsConnectionImpl<Stream>> {
 public:
  // `on_accepted` runs after the handshake succeeded (not at all if it failed). `guard` is kept
  // alive as long as the connection (the server's connection count).
  WsConnectionImpl(Stream&& stream, std::string remote, WsLimits limits,
                   std::chrono::milliseconds handshake_timeout, std::shared_ptr<void> guard);

  void accept(Request request, std::function<void(std::shared_ptr<WsConnection>)> on_accepted);

  void start(Callbacks callbacks) override;
  bool send(std::string text) override;
  void close() override;
  void detach() override;
  bool isOpen() const override { return open_; }
  size_t queuedBytes() const override { return queued_bytes_; }
  const std::string& remote() const override { return remote_; }

 private:
  void doRead();
  void onRead(boost::beast::error_code ec, size_t bytes);
  void doWrite();
  void onWrite(boost::beast::error_code ec, size_t bytes);
  void doClose();
  void finish(std::string_view reason);

  boost::beast::websocket::stream<Stream> ws_;
  std::string remote_;
  WsLimits limits_;
  std::shared_ptr<void> guard_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  Callbacks callbacks_;
  bool open_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;  // close requested: no new sends, close frame after the queue
  bool close_sent_ = false;
  bool finished_ = false;
};

}  // namespace signaling::http
