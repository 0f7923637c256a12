#pragma once

// Shared between relay-baseline and sfu-load --target relay: the fixed SRTP keys (no DTLS: the
// baseline measures only per-packet work), the hello datagram and the SSRC layout.
//
//   hello (plain UDP, 12 bytes):  'R' 'B' 'H' kind | participant index (32) | room (32)
//   kind: 'P' publish transport, 'S' subscribe transport
//   SSRCs of participant i: i*16 + 1 audio, +2 q, +3 h, +4 f. The relay forwards audio and f
//   (what our SFU forwards to an unconstrained subscriber) to every other subscriber of the room.

#include <array>
#include <cstdint>

namespace bench::relay {

inline constexpr size_t kKeySaltLength = 28;  // AEAD_AES_128_GCM: 16-byte key + 12-byte salt
inline constexpr size_t kHelloSize = 12;
inline constexpr uint8_t kKindPublish = 'P';
inline constexpr uint8_t kKindSubscribe = 'S';

// Upstream (client → relay) for the publish transport, downstream for the subscribe transport.
inline std::array<uint8_t, kKeySaltLength> keyFor(uint32_t participant, uint8_t kind) {
  std::array<uint8_t, kKeySaltLength> key{};
  for (size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<uint8_t>(participant * 131 + i * 7 + kind);
  }
  return key;
}

inline constexpr uint32_t ssrcOf(uint32_t participant, uint32_t slot) {
  return participant * 16 + slot;  // slot 1 audio, 2..4 layers q/h/f
}
inline constexpr bool forwarded(uint32_t ssrc) {
  const uint32_t slot = ssrc % 16;
  return slot == 1 || slot == 4;
}

}  // namespace bench::relay
