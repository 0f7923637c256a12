#include "bench/load/sio_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>

#include "signaling/sio/engineio_packet.h"
#include "signaling/sio/socketio_packet.h"

namespace bench::load {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using nlohmann::json;

HttpResult httpRequest(const std::string& host, uint16_t port, std::string_view method,
                       std::string_view target, const std::string& bearer, const json& body) {
  HttpResult result;
  try {
    asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(15));
    stream.connect(resolver.resolve(host, std::to_string(port)));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host);
    if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
    if (!body.is_null()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body.dump();
    }
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    result.status = static_cast<int>(res.result_int());
    result.body = json::parse(res.body(), nullptr, false);
    if (result.body.is_discarded()) result.body = res.body();
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  } catch (const std::exception& e) {
    result.status = 0;
    result.body = e.what();
  }
  return result;
}

struct SioClient::Impl {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer readBuffer;
  std::deque<std::string> writeQueue;
  std::deque<SioEvent> events;
  bool writing = false;
  bool closed = false;

  void armRead() {
    ws.async_read(readBuffer, [this](beast::error_code ec, size_t) {
      if (ec) {
        closed = true;
        return;
      }
      std::string text = beast::buffers_to_string(readBuffer.data());
      readBuffer.consume(readBuffer.size());
      onMessage(text);
      armRead();
    });
  }

  void onMessage(std::string_view text) {
    auto decoded = signaling::sio::decodeEnginePacket(text);
    if (!decoded.packet) return;
    const auto& packet = *decoded.packet;
    if (packet.type == signaling::sio::EnginePacketType::kPing) {
      send(signaling::sio::encodeEnginePacket(signaling::sio::EnginePacketType::kPong));
      return;
    }
    if (packet.type == signaling::sio::EnginePacketType::kClose) {
      closed = true;
      return;
    }
    if (packet.type != signaling::sio::EnginePacketType::kMessage) return;
    auto sio = signaling::sio::decodeSioPacket(packet.data);
    if (!sio.packet || sio.packet->type != signaling::sio::SioPacketType::kEvent) return;
    const json& array = *sio.packet->data;
    if (!array.is_array() || array.empty() || !array[0].is_string()) return;
    events.push_back({array[0].get<std::string>(), array.size() > 1 ? array[1] : json()});
  }

  void send(std::string text) {
    writeQueue.push_back(std::move(text));
    if (!writing) writeNext();
  }

  void writeNext() {
    if (writeQueue.empty() || closed) {
      writing = false;
      return;
    }
    writing = true;
    ws.text(true);
    ws.async_write(asio::buffer(writeQueue.front()), [this](beast::error_code ec, size_t) {
      writeQueue.pop_front();
      if (ec) {
        closed = true;
        writing = false;
        return;
      }
      writeNext();
    });
  }
};

SioClient::SioClient() : impl_(std::make_unique<Impl>()) {}
SioClient::~SioClient() { close(); }

bool SioClient::connect(const std::string& host, uint16_t port, const std::string& token,
                        const std::string& user_id, std::string* error) {
  try {
    tcp::resolver resolver(impl_->io);
    auto& stream = beast::get_lowest_layer(impl_->ws);
    stream.expires_after(std::chrono::seconds(15));
    stream.connect(resolver.resolve(host, std::to_string(port)));
    stream.socket().set_option(tcp::no_delay(true));
    impl_->ws.handshake(host + ":" + std::to_string(port),
                        "/socket.io/?EIO=4&transport=websocket&userId=" + user_id);
    beast::flat_buffer buffer;
    impl_->ws.read(buffer);  // Engine.IO open: 0{"sid":...}
    buffer.consume(buffer.size());
    signaling::sio::SioPacket connectPacket;
    connectPacket.type = signaling::sio::SioPacketType::kConnect;
    connectPacket.data = json{{"token", token}};
    impl_->ws.text(true);
    impl_->ws.write(asio::buffer(
        signaling::sio::encodeEnginePacket(signaling::sio::EnginePacketType::kMessage,
                                           signaling::sio::encodeSioPacket(connectPacket))));
    stream.expires_never();
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return false;
  }
  impl_->armRead();
  emit("authenticate", json{{"token", token}});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    auto event = next(std::chrono::milliseconds(500));
    if (event && event->name == "authenticated") return true;
    if (event && event->name == "error") {
      if (error) *error = event->data.dump();
      return false;
    }
    if (impl_->closed) break;
  }
  if (error) *error = "no authenticated event";
  return false;
}

void SioClient::emit(std::string_view event, const json& data) {
  signaling::sio::SioPacket packet;
  packet.type = signaling::sio::SioPacketType::kEvent;
  packet.data = json::array({std::string(event), data});
  impl_->send(signaling::sio::encodeEnginePacket(signaling::sio::EnginePacketType::kMessage,
                                                 signaling::sio::encodeSioPacket(packet)));
  impl_->io.restart();
  impl_->io.poll();
}

std::optional<SioEvent> SioClient::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (impl_->events.empty() && !impl_->closed) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    impl_->io.restart();
    impl_->io.run_one_for(deadline - now);
  }
  if (impl_->events.empty()) return std::nullopt;
  SioEvent event = std::move(impl_->events.front());
  impl_->events.pop_front();
  return event;
}

void SioClient::close() {
  if (!impl_ || impl_->closed) return;
  impl_->closed = true;
  beast::error_code ec;
  beast::get_lowest_layer(impl_->ws).socket().close(ec);
  impl_->io.restart();
  impl_->io.poll();
}

}  // namespace bench::load
