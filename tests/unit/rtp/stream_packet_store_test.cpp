// Shared received-packet store: lookup by seq across the 16-bit wrap, arena wrap and overwrite
// invalidation, growth by age, max age, refused packets, duplicates and stale inserts.
#include "rtp/stream/packet_store.h"

#include <gtest/gtest.h>

#include <vector>

namespace rtp::stream {
namespace {

// A packet whose bytes identify it: seq in bytes 2-3, the rest filled with seq's low byte.
std::vector<uint8_t> packet(uint16_t seq, size_t size = 100) {
  std::vector<uint8_t> p(size, static_cast<uint8_t>(seq * 7 + 1));
  p[2] = static_cast<uint8_t>(seq >> 8);
  p[3] = static_cast<uint8_t>(seq);
  return p;
}

bool holds(const PacketStore& store, uint16_t seq, int64_t now_ms, size_t size = 100) {
  auto found = store.find(seq, now_ms);
  return found && std::vector<uint8_t>(found->begin(), found->end()) == packet(seq, size);
}

PacketStoreConfig small(size_t slots, size_t bytes, size_t max_bytes, int64_t max_age = 1000) {
  PacketStoreConfig c;
  c.slots = slots;
  c.initial_bytes = bytes;
  c.max_bytes = max_bytes;
  c.max_packet_size = 200;
  c.max_age_ms = max_age;
  return c;
}

TEST(PacketStore, InsertAndFind) {
  PacketStore store(small(16, 1024, 1024));
  EXPECT_EQ(store.insert(42, packet(42), 0), PacketStoreResult::kStored);
  EXPECT_TRUE(holds(store, 42, 10));
  EXPECT_FALSE(store.find(43, 10));
  EXPECT_FALSE(store.find(42 + 16, 10));  // same slot, other seq
  EXPECT_EQ(store.slotCount(), 16u);
  EXPECT_EQ(store.usedBytes(), 8u + 104u);  // header + packet padded to 8
}

TEST(PacketStore, EveryByteOfEverySizeComesBackInPlace) {
  // Every size around the 8-byte header and padding boundaries, with a distinct byte at each
  // offset, next to its neighbours.
  PacketStoreConfig c;
  c.max_packet_size = 1500;
  c.initial_bytes = 256 * 1024;
  PacketStore store(c);
  std::vector<size_t> sizes;
  for (size_t n = 1; n <= 50; ++n) sizes.push_back(n);
  for (size_t n : {1199, 1200, 1201, 1207, 1208, 1209, 1500}) sizes.push_back(n);
  auto bytes = [](size_t n, uint16_t seq) {
    std::vector<uint8_t> p(n);
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(i * 31 + seq * 7 + 1);
    return p;
  };
  for (size_t i = 0; i < sizes.size(); ++i) {
    const auto seq = static_cast<uint16_t>(i);
    ASSERT_EQ(store.insert(seq, bytes(sizes[i], seq), 0), PacketStoreResult::kStored);
  }
  for (size_t i = 0; i < sizes.size(); ++i) {
    const auto seq = static_cast<uint16_t>(i);
    auto found = store.find(seq, 0);
    ASSERT_TRUE(found) << sizes[i];
    EXPECT_EQ(std::vector<uint8_t>(found->begin(), found->end()), bytes(sizes[i], seq)) << sizes[i];
  }
}

TEST(PacketStore, SequenceWrap) {
  PacketStore store(small(16, 2048, 2048));
  for (uint32_t i = 65530; i < 65540; ++i) {
    ASSERT_EQ(store.insert(static_cast<uint16_t>(i), packet(static_cast<uint16_t>(i)), 0),
              PacketStoreResult::kStored);
  }
  for (uint32_t i = 65530; i < 65540; ++i) EXPECT_TRUE(holds(store, static_cast<uint16_t>(i), 0));
}

TEST(PacketStore, IndexSlotReuseDropsTheOlderSeq) {
  PacketStore store(small(8, 4096, 4096));
  for (uint16_t seq = 0; seq < 20; ++seq) store.insert(seq, packet(seq, 20), 0);
  for (uint16_t seq = 0; seq < 12; ++seq) EXPECT_FALSE(store.find(seq, 0)) << seq;
  for (uint16_t seq = 12; seq < 20; ++seq) EXPECT_TRUE(holds(store, seq, 0, 20)) << seq;
}

TEST(PacketStore, ArenaWrapOverwritesOldestAndKeepsRecordsWhole) {
  // No growth (max = initial): 1024 bytes hold 9 records of 112 bytes; later packets overwrite
  // the oldest. 100-byte packets → 112-byte records: 9 fit, the 10th wraps to offset 0 after a
  // 16-byte skip record.
  PacketStore store(small(64, 1024, 1024));
  for (uint16_t seq = 0; seq < 40; ++seq) {
    ASSERT_EQ(store.insert(seq, packet(seq), seq), PacketStoreResult::kStored);
    EXPECT_TRUE(holds(store, seq, seq)) << seq;
    EXPECT_LE(store.usedBytes(), 1024u);
  }
  EXPECT_EQ(store.arenaBytes(), 1024u);
  EXPECT_EQ(store.growths(), 0u);
  int found = 0;
  for (uint16_t seq = 0; seq < 40; ++seq) {
    if (store.find(seq, 40)) {
      EXPECT_TRUE(holds(store, seq, 40)) << seq;  // never a torn or foreign record
      ++found;
    }
  }
  EXPECT_GE(found, 8);
  EXPECT_LE(found, 9);
  EXPECT_FALSE(store.find(0, 40));  // the oldest went first
  EXPECT_TRUE(holds(store, 39, 40));
}

TEST(PacketStore, MixedSizesNeverReturnOverwrittenBytes) {
  PacketStore store(small(256, 2048, 2048));
  for (uint32_t i = 0; i < 2000; ++i) {
    const auto seq = static_cast<uint16_t>(i);
    const size_t size = 12 + (i * 37) % 189;
    ASSERT_EQ(store.insert(seq, packet(seq, size), i), PacketStoreResult::kStored);
    // Every packet still reported present is byte-exact.
    for (uint32_t back = 0; back < 40 && back <= i; ++back) {
      const auto s = static_cast<uint16_t>(i - back);
      auto found = store.find(s, i);
      if (!found) continue;
      const size_t want_size = 12 + ((i - back) * 37) % 189;
      ASSERT_EQ(std::vector<uint8_t>(found->begin(), found->end()), packet(s, want_size))
          << i << " " << back;
    }
    ASSERT_TRUE(store.find(seq, i));
  }
}

TEST(PacketStore, GrowsWhileTheOldestIsYoungerThanMaxAge) {
  // 1 packet per ms for 1 s: 1000 × 112 bytes need 112 000 bytes → 128 KiB.
  PacketStore store(small(2048, 4096, 1 << 20));
  for (int64_t t = 0; t < 1000; ++t) {
    ASSERT_EQ(store.insert(static_cast<uint16_t>(t), packet(static_cast<uint16_t>(t)), t),
              PacketStoreResult::kStored);
  }
  EXPECT_EQ(store.arenaBytes(), 128u * 1024);
  EXPECT_EQ(store.growths(), 5u);  // 4 → 8 → 16 → 32 → 64 → 128 KiB
  for (uint16_t seq = 0; seq < 1000; ++seq) ASSERT_TRUE(holds(store, seq, 999)) << seq;
  // Steady state: the same rate for another 2 s needs no more growth.
  for (int64_t t = 1000; t < 3000; ++t) {
    store.insert(static_cast<uint16_t>(t), packet(static_cast<uint16_t>(t)), t);
  }
  EXPECT_EQ(store.growths(), 5u);
  for (int64_t t = 2000; t < 3000; ++t) ASSERT_TRUE(holds(store, static_cast<uint16_t>(t), 2999));
}

TEST(PacketStore, GrowthStopsAtTheCap) {
  PacketStore store(small(2048, 4096, 16384));
  for (int64_t t = 0; t < 1000; ++t) {
    store.insert(static_cast<uint16_t>(t), packet(static_cast<uint16_t>(t)), t);
  }
  EXPECT_EQ(store.arenaBytes(), 16384u);
  EXPECT_EQ(store.growths(), 2u);
  EXPECT_TRUE(holds(store, 999, 999));
  EXPECT_FALSE(store.find(0, 999));
}

TEST(PacketStore, OldRecordsAreOverwrittenWithoutGrowth) {
  // 1 packet every 100 ms: 10 per second fit in 4 KiB, so nothing young is ever overwritten.
  PacketStore store(small(64, 4096, 1 << 20));
  for (int64_t i = 0; i < 200; ++i) {
    store.insert(static_cast<uint16_t>(i), packet(static_cast<uint16_t>(i)), i * 100);
  }
  EXPECT_EQ(store.growths(), 0u);
  EXPECT_EQ(store.arenaBytes(), 4096u);
}

TEST(PacketStore, MaxAge) {
  PacketStore store(small(16, 1024, 1024, 500));
  store.insert(1, packet(1), 0);
  store.insert(2, packet(2), 300);
  EXPECT_TRUE(holds(store, 1, 500));
  EXPECT_FALSE(store.find(1, 501));
  EXPECT_TRUE(holds(store, 2, 800));
  EXPECT_FALSE(store.find(2, 801));
}

TEST(PacketStore, RefusesEmptyAndOversize) {
  PacketStore store(small(16, 1024, 1024));
  EXPECT_EQ(store.insert(1, {}, 0), PacketStoreResult::kTooLarge);
  EXPECT_EQ(store.insert(2, packet(2, 201), 0), PacketStoreResult::kTooLarge);
  EXPECT_FALSE(store.find(2, 0));
  EXPECT_EQ(store.insert(3, packet(3, 200), 0), PacketStoreResult::kStored);
  EXPECT_TRUE(holds(store, 3, 0, 200));
}

TEST(PacketStore, DuplicateAndStaleInserts) {
  PacketStore store(small(16, 2048, 2048));
  ASSERT_EQ(store.insert(100, packet(100), 0), PacketStoreResult::kStored);
  const size_t used = store.usedBytes();
  // The sender's retransmission of a packet already stored: the first copy stays.
  EXPECT_EQ(store.insert(100, packet(100, 50), 5), PacketStoreResult::kDuplicate);
  EXPECT_EQ(store.usedBytes(), used);
  EXPECT_TRUE(holds(store, 100, 5));
  // A packet 16 behind maps to the same slot: the newer one is kept.
  EXPECT_EQ(store.insert(84, packet(84), 6), PacketStoreResult::kStale);
  EXPECT_TRUE(holds(store, 100, 6));
  // 16 ahead replaces it.
  EXPECT_EQ(store.insert(116, packet(116), 7), PacketStoreResult::kStored);
  EXPECT_FALSE(store.find(100, 7));
  EXPECT_TRUE(holds(store, 116, 7));
  // Once the held packet is too old, a late one may take the slot.
  EXPECT_EQ(store.insert(100, packet(100), 2000), PacketStoreResult::kStored);
  EXPECT_TRUE(holds(store, 100, 2000));
}

TEST(PacketStore, GrowthKeepsRecordsAcrossTheWrapPoint) {
  // 1 KiB arena, 112-byte records. Five old records (t=0) at 0..560, then young ones (t=1500):
  // seq 5..8 at 560..1008, a skip record, seq 9..13 wrapped to offsets 0..560 (overwriting the old
  // ones). Seq 14 would overwrite seq 5, still young: the arena doubles while the live records
  // straddle its end, and each must land intact at its new place.
  PacketStore store(small(64, 1024, 4096));
  for (uint16_t seq = 0; seq < 5; ++seq) store.insert(seq, packet(seq), 0);
  for (uint16_t seq = 5; seq < 14; ++seq) store.insert(seq, packet(seq), 1500);
  EXPECT_EQ(store.growths(), 0u);
  for (uint16_t seq = 0; seq < 5; ++seq) EXPECT_FALSE(store.find(seq, 0)) << seq;  // overwritten
  store.insert(14, packet(14), 1500);
  EXPECT_EQ(store.growths(), 1u);
  EXPECT_EQ(store.arenaBytes(), 2048u);
  for (uint16_t seq = 5; seq < 15; ++seq) ASSERT_TRUE(holds(store, seq, 1500)) << seq;
  for (uint16_t seq = 15; seq < 26; ++seq) store.insert(seq, packet(seq), 1500);
  EXPECT_EQ(store.growths(), 2u);
  for (uint16_t seq = 5; seq < 26; ++seq) ASSERT_TRUE(holds(store, seq, 1500)) << seq;
}

}  // namespace
}  // namespace rtp::stream
