// In-process harness for the signaling network half: a real HttpServer + SocketHub on an
// ephemeral loopback port, its io_context on a background thread, a FakeCallApi behind it, and
// small blocking Beast clients (HTTP, raw TCP, WebSocket) whose reads time out instead of hanging.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <thread>

#include "signaling/http/http_server.h"
#include "signaling/sio/socket_hub.h"
#include "support/fake_call_api.h"

namespace signaling::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

inline std::filesystem::path makeWebRoot(const std::string& tag) {
  auto root = std::filesystem::temp_directory_path() /
              ("sfu-web-" + tag + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "css");
  std::ofstream(root / "index.html") << "<!doctype html><title>sfu</title>";
  std::ofstream(root / "css" / "site.css") << "body{}";
  return root;
}

class NetHarness {
 public:
  explicit NetHarness(Config cfg = {}, http::HttpServerOptions options = {},
                      sio::EngineOptions engine = {}) {
    web_root_ = makeWebRoot(::testing::UnitTest::GetInstance()->current_test_info()->name());
    cfg.listen_ip = "127.0.0.1";
    cfg.http_port = 0;
    if (cfg.web_root.empty()) cfg.web_root = web_root_.string();
    if (options.vendor_dir.empty()) {
      options.vendor_dir = std::string(SFU_SOURCE_DIR) + "/signaling/web/vendor";
    }
    hub_ = std::make_unique<sio::SocketHub>(io_, engine);
    calls_ = std::make_unique<FakeCallApi>(*hub_);
    server_ = std::make_unique<http::HttpServer>(io_, cfg, *calls_, *hub_, options);
    port_ = server_->port();
    thread_ = std::thread([this] { io_.run(); });
  }

  ~NetHarness() {
    onIo([this] { server_->stop(); });
    guard_.reset();
    io_.stop();
    thread_.join();
    server_.reset();
    calls_.reset();
    hub_.reset();
    std::filesystem::remove_all(web_root_);
  }

  // Runs `f` on the server thread and waits for its result.
  template <class F>
  auto onIo(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    return result.get();
  }

  uint16_t port() const { return port_; }
  FakeCallApi& calls() { return *calls_; }
  sio::SocketHub& hub() { return *hub_; }
  http::HttpServer& server() { return *server_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_{io_.get_executor()};
  std::filesystem::path web_root_;
  std::unique_ptr<sio::SocketHub> hub_;
  std::unique_ptr<FakeCallApi> calls_;
  std::unique_ptr<http::HttpServer> server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

using Req = bhttp::request<bhttp::string_body>;
using Res = bhttp::response<bhttp::string_body>;

// Runs one asynchronous operation on a private io_context with a deadline.
template <class Stream, class Start>
beast::error_code runFor(asio::io_context& ioc, Stream& stream, Start start,
                         std::chrono::milliseconds timeout = 5000ms) {
  beast::error_code result = asio::error::would_block;
  bool done = false;
  start([&](beast::error_code ec, size_t) {
    result = ec;
    done = true;
  });
  ioc.restart();
  ioc.run_for(timeout);
  if (!done) {
    beast::get_lowest_layer(stream).cancel();
    ioc.restart();
    ioc.run();
    result = beast::error::timeout;
  }
  return result;
}

// One HTTP/1.1 connection.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : socket_(ioc_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
  }

  Res request(bhttp::verb method, const std::string& target, const std::string& body = "",
              std::vector<std::pair<std::string, std::string>> headers = {},
              unsigned version = 11) {
    Req req{method, target, version};
    req.set(bhttp::field::host, "127.0.0.1");
    for (auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == bhttp::verb::post) {
      req.body() = body;
      req.prepare_payload();
    }
    bhttp::write(socket_, req);
    if (method == bhttp::verb::head) {
      // A response to HEAD announces a body it does not carry.
      bhttp::response_parser<bhttp::string_body> parser;
      parser.skip(true);
      last_error_ = runFor(ioc_, socket_, [&](auto handler) {
        bhttp::async_read(socket_, buffer_, parser, std::move(handler));
      });
      return parser.release();
    }
    return read();
  }

  Res read(std::chrono::milliseconds timeout = 5000ms) {
    Res res;
    last_error_ = runFor(
        ioc_, socket_,
        [&](auto handler) { bhttp::async_read(socket_, buffer_, res, std::move(handler)); },
        timeout);
    return res;
  }

  void writeRaw(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // True when the server closed the connection (EOF or reset) within the timeout.
  bool closedByPeer(std::chrono::milliseconds timeout = 3000ms) {
    char byte;
    std::size_t n = 0;
    auto ec = runFor(
        ioc_, socket_,
        [&](auto handler) {
          socket_.async_read_some(asio::buffer(&byte, 1),
                                  [&n, handler](beast::error_code e, size_t got) mutable {
                                    n = got;
                                    handler(e, got);
                                  });
        },
        timeout);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  beast::error_code lastError() const { return last_error_; }
  tcp::socket& socket() { return socket_; }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  beast::error_code last_error_;
};

inline Res httpRequest(uint16_t port, bhttp::verb method, const std::string& target,
                       const std::string& body = "",
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpClient client(port);
  return client.request(method, target, body, std::move(headers));
}

// One WebSocket connection to /socket.io/.
class WsClient {
 public:
  WsClient(uint16_t port, const std::string& target) : ws_(ioc_) {
    auto& sock = ws_.next_layer();
    sock.connect({asio::ip::make_address("127.0.0.1"), port});
    ws_.handshake("127.0.0.1", target, ec_);
  }
  bool ok() const { return !ec_; }
  const beast::error_code& error() const { return ec_; }

  void send(const std::string& text) {
    ws_.text(true);
    ws_.write(asio::buffer(text), ec_);
  }
  // Next text message; empty optional on close/timeout.
  std::optional<std::string> read(std::chrono::milliseconds timeout = 5000ms) {
    beast::flat_buffer buffer;
    ec_ = runFor(
        ioc_, ws_, [&](auto handler) { ws_.async_read(buffer, std::move(handler)); }, timeout);
    if (ec_) return std::nullopt;
    return beast::buffers_to_string(buffer.data());
  }
  // Next message that is not an Engine.IO ping (answering pings with pongs).
  std::optional<std::string> readSkippingPings(std::chrono::milliseconds timeout = 5000ms) {
    while (auto msg = read(timeout)) {
      if (*msg == "2") {
        send("3");
        continue;
      }
      return msg;
    }
    return std::nullopt;
  }
  websocket::stream<tcp::socket>& stream() { return ws_; }

 private:
  asio::io_context ioc_;
  websocket::stream<tcp::socket> ws_;
  beast::error_code ec_;
};

}  // namespace signaling::testing
