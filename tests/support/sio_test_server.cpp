// sio-test-server: the real HttpServer + SocketHub on loopback with the FakeCallApi behind them,
// for driving the Socket.IO layer with real clients (tests/e2e/socketio_protocol.test.mjs).
//   sio-test-server [--port N] [--ping-interval MS] [--ping-timeout MS]
// Prints "LISTENING <port>" on stdout once accepting; exits on SIGTERM/SIGINT or stdin EOF.
#include <boost/asio.hpp>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "sfu/common/log.h"
#include "signaling/http/http_server.h"
#include "signaling/sio/socket_hub.h"
#include "support/fake_call_api.h"

int main(int argc, char** argv) {
  signaling::Config cfg;
  cfg.listen_ip = "127.0.0.1";
  cfg.http_port = 0;
  signaling::sio::EngineOptions engine;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const long value = std::strtol(argv[i + 1], nullptr, 10);
    if (flag == "--port") {
      cfg.http_port = static_cast<uint16_t>(value);
    } else if (flag == "--ping-interval") {
      engine.ping_interval = std::chrono::milliseconds(value);
    } else if (flag == "--ping-timeout") {
      engine.ping_timeout = std::chrono::milliseconds(value);
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  sfu::log::init(std::getenv("SFU_LOG_LEVEL") ? std::getenv("SFU_LOG_LEVEL") : "warn");

  boost::asio::io_context io;
  signaling::sio::SocketHub hub(io, engine);
  signaling::testing::FakeCallApi calls(hub);
  signaling::http::HttpServer server(io, cfg, calls, hub);
  std::printf("LISTENING %u\n", static_cast<unsigned>(server.port()));
  std::fflush(stdout);

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) {
    server.stop();
    io.stop();
  });
  // Stop when the parent goes away (stdin closes).
  boost::asio::posix::stream_descriptor input(io, ::dup(STDIN_FILENO));
  static char byte;
  std::function<void()> watch = [&] {
    input.async_read_some(boost::asio::buffer(&byte, 1), [&](boost::system::error_code ec, size_t) {
      if (ec) {
        server.stop();
        io.stop();
        return;
      }
      watch();
    });
  };
  watch();
  io.run();
  return 0;
}
