// Fuzzes the Engine.IO payload decoder and the Socket.IO packet decoder: no crash, no throw, and
// every decoded Socket.IO packet re-encodes to text that decodes to the same packet.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signaling/sio/engineio_packet.h"
#include "signaling/sio/socketio_packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto payload = signaling::sio::decodeEnginePayload(text);
  if (payload.packets) {
    for (const auto& packet : *payload.packets) {
      if (packet.type != signaling::sio::EnginePacketType::kMessage || packet.binary) continue;
      auto sio = signaling::sio::decodeSioPacket(packet.data);
      if (!sio.packet) continue;
      const auto again =
          signaling::sio::decodeSioPacket(signaling::sio::encodeSioPacket(*sio.packet));
      if (!again.packet || !(*again.packet == *sio.packet)) std::abort();
    }
  }
  signaling::sio::decodeSioPacket(text);
  return 0;
}
