// Fuzz target for the RTCP parsers: walks a compound (both padding policies), parses every packet
// as its type, reads every field, rebuilds it with the matching builder and checks the rebuilt
// packet parses back to the same content (byte-equal where the encoding is canonical). TWCC
// statuses are re-encoded with TwccBuilder and compared one by one.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "rtp/rtcp/app.h"
#include "rtp/rtcp/bye.h"
#include "rtp/rtcp/compound_builder.h"
#include "rtp/rtcp/compound_parser.h"
#include "rtp/rtcp/fir.h"
#include "rtp/rtcp/nack.h"
#include "rtp/rtcp/pli.h"
#include "rtp/rtcp/receiver_report.h"
#include "rtp/rtcp/remb.h"
#include "rtp/rtcp/sdes.h"
#include "rtp/rtcp/sender_report.h"
#include "rtp/rtcp/twcc.h"
#include "rtp/rtcp/twcc_builder.h"
#include "rtp/rtcp/xr.h"

namespace {

using namespace rtp::rtcp;  // NOLINT(google-build-using-namespace)

#define FUZZ_CHECK(cond)       \
  do {                         \
    if (!(cond)) std::abort(); \
  } while (0)

// Encodes `message` into scratch and parses it back as one packet.
template <typename Message>
std::span<const uint8_t> encode(const Message& message, std::vector<uint8_t>& scratch) {
  const size_t n = message.size();
  FUZZ_CHECK(n > 0);
  scratch.assign(n, 0);
  message.write(scratch.data());
  return scratch;
}

template <typename View>
View reparse(std::span<const uint8_t> bytes) {
  auto packet = parsePacket(bytes);
  FUZZ_CHECK(packet && packet->packet.size() == bytes.size());
  auto view = View::parse(*packet);
  FUZZ_CHECK(view);
  return *view;
}

bool sameBytes(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

void checkSenderReport(const PacketView& packet) {
  auto sr = SenderReportView::parse(packet);
  if (!sr) return;
  std::array<ReportBlock, kMaxCount> blocks;
  for (size_t i = 0; i < sr->reportCount(); ++i) blocks[i] = sr->reportBlock(i);
  std::span<const uint8_t> extension = sr->extension();
  if (extension.size() % 4 != 0) extension = extension.first(extension.size() & ~size_t{3});
  SenderReport out{sr->ssrc(),        sr->ntpTime(),    sr->rtpTimestamp(),
                   sr->packetCount(), sr->octetCount(), {blocks.data(), sr->reportCount()},
                   extension};
  std::vector<uint8_t> scratch;
  auto bytes = encode(out, scratch);
  if (!packet.padded) FUZZ_CHECK(sameBytes(bytes, packet.packet));
  auto back = reparse<SenderReportView>(bytes);
  FUZZ_CHECK(back.ntpTime() == sr->ntpTime() && back.reportCount() == sr->reportCount());
  for (size_t i = 0; i < back.reportCount(); ++i) FUZZ_CHECK(back.reportBlock(i) == blocks[i]);
}

void checkReceiverReport(const PacketView& packet) {
  auto rr = ReceiverReportView::parse(packet);
  if (!rr) return;
  std::array<ReportBlock, kMaxCount> blocks;
  for (size_t i = 0; i < rr->reportCount(); ++i) blocks[i] = rr->reportBlock(i);
  std::span<const uint8_t> extension = rr->extension();
  if (extension.size() % 4 != 0) extension = extension.first(extension.size() & ~size_t{3});
  ReceiverReport out{rr->ssrc(), {blocks.data(), rr->reportCount()}, extension};
  std::vector<uint8_t> scratch;
  auto bytes = encode(out, scratch);
  if (!packet.padded) FUZZ_CHECK(sameBytes(bytes, packet.packet));
  auto back = reparse<ReceiverReportView>(bytes);
  FUZZ_CHECK(back.ssrc() == rr->ssrc() && back.reportCount() == rr->reportCount());
}

void checkSdes(const PacketView& packet) {
  auto sdes = SdesView::parse(packet);
  if (!sdes) return;
  std::array<SdesItem, 512> items;
  std::array<SdesChunk, kMaxCount> chunks;
  size_t item_count = 0;
  size_t chunk_count = 0;
  sdes->forEachChunk([&](uint32_t ssrc, SdesItemRange range) {
    const size_t first = item_count;
    for (const SdesItem item : range) {
      if (item_count < items.size()) items[item_count++] = item;
    }
    chunks[chunk_count++] = {ssrc, {items.data() + first, item_count - first}};
  });
  (void)sdes->cname();
  if (item_count == items.size()) return;
  std::vector<uint8_t> scratch;
  auto back = reparse<SdesView>(encode(Sdes{{chunks.data(), chunk_count}}, scratch));
  FUZZ_CHECK(back.chunkCount() == sdes->chunkCount());
  FUZZ_CHECK(back.cname() == sdes->cname());
}

void checkBye(const PacketView& packet) {
  auto bye = ByeView::parse(packet);
  if (!bye) return;
  std::array<uint32_t, kMaxCount> ssrcs;
  for (size_t i = 0; i < bye->ssrcCount(); ++i) ssrcs[i] = bye->ssrc(i);
  std::vector<uint8_t> scratch;
  auto back = reparse<ByeView>(
      encode(Bye{{ssrcs.data(), bye->ssrcCount()}, bye->reason().value_or("")}, scratch));
  FUZZ_CHECK(back.ssrcCount() == bye->ssrcCount());
  FUZZ_CHECK(back.reason().value_or("") == bye->reason().value_or(""));
}

void checkApp(const PacketView& packet) {
  auto app = AppView::parse(packet);
  if (!app || app->data().size() % 4 != 0) return;
  std::vector<uint8_t> scratch;
  auto bytes = encode(App{app->subtype(), app->ssrc(), app->name(), app->data()}, scratch);
  if (!packet.padded) FUZZ_CHECK(sameBytes(bytes, packet.packet));
}

void checkNack(const PacketView& packet) {
  auto nack = NackView::parse(packet);
  if (!nack) return;
  std::vector<NackItem> items(nack->itemCount());
  for (size_t i = 0; i < items.size(); ++i) items[i] = nack->item(i);
  std::vector<uint8_t> scratch;
  auto bytes = encode(Nack{nack->senderSsrc(), nack->mediaSsrc(), items}, scratch);
  if (!packet.padded) FUZZ_CHECK(sameBytes(bytes, packet.packet));
  std::array<uint16_t, 64> lost;
  (void)nack->lostSeqs(lost);
}

void checkPsfb(const PacketView& packet, PacketKind kind) {
  std::vector<uint8_t> scratch;
  if (kind == PacketKind::kPli) {
    auto pli = PliView::parse(packet);
    if (!pli) return;
    auto back = reparse<PliView>(encode(Pli{pli->senderSsrc(), pli->mediaSsrc()}, scratch));
    FUZZ_CHECK(back.mediaSsrc() == pli->mediaSsrc());
  } else if (kind == PacketKind::kFir) {
    auto fir = FirView::parse(packet);
    if (!fir) return;
    std::vector<FirEntry> entries(fir->entryCount());
    for (size_t i = 0; i < entries.size(); ++i) entries[i] = fir->entry(i);
    auto back =
        reparse<FirView>(encode(Fir{fir->senderSsrc(), fir->mediaSsrc(), entries}, scratch));
    FUZZ_CHECK(back.entryCount() == entries.size());
    for (size_t i = 0; i < entries.size(); ++i) FUZZ_CHECK(back.entry(i) == entries[i]);
  } else if (kind == PacketKind::kRemb) {
    auto remb = RembView::parse(packet);
    if (!remb) return;
    std::vector<uint32_t> ssrcs(remb->ssrcCount());
    for (size_t i = 0; i < ssrcs.size(); ++i) ssrcs[i] = remb->ssrc(i);
    auto back =
        reparse<RembView>(encode(Remb{remb->senderSsrc(), remb->bitrateBps(), ssrcs}, scratch));
    FUZZ_CHECK(back.ssrcCount() == ssrcs.size());
    const uint64_t bps = remb->bitrateBps();
    FUZZ_CHECK(back.bitrateBps() <= bps && back.bitrateBps() >= bps - (bps >> 17));
  }
}

void checkXr(const PacketView& packet) {
  auto xr = XrView::parse(packet);
  if (!xr) return;
  std::vector<DlrrItem> dlrr(xr->dlrrCount());
  for (size_t i = 0; i < dlrr.size(); ++i) dlrr[i] = xr->dlrr(i);
  std::vector<uint8_t> scratch;
  auto back = reparse<XrView>(encode(Xr{xr->senderSsrc(), xr->rrtrNtp(), dlrr}, scratch));
  FUZZ_CHECK(back.rrtrNtp() == xr->rrtrNtp() && back.dlrrCount() == dlrr.size());
  for (size_t i = 0; i < dlrr.size(); ++i) FUZZ_CHECK(back.dlrr(i) == dlrr[i]);
}

void checkTwcc(const PacketView& packet) {
  auto twcc = TwccView::parse(packet);
  if (!twcc) return;
  const int64_t reference_us = int64_t{twcc->referenceTime()} * kTwccReferenceTickUs;
  static TwccBuilder builder;  // large inline storage: keep it off the stack
  builder.reset(twcc->senderSsrc(), twcc->mediaSsrc(), twcc->baseSeq(), reference_us,
                twcc->fbPktCount());
  TwccStatusCursor cursor = twcc->cursor();
  TwccPacketStatus status;
  size_t count = 0;
  while (cursor.next(status)) {
    ++count;
    const int64_t arrival =
        status.received ? reference_us + status.arrival_offset_us : TwccBuilder::kNotReceived;
    if (!builder.add(status.seq, arrival)) return;  // too big for one MTU-sized packet: fine
  }
  FUZZ_CHECK(cursor.error() == ParseError::kCount && count == twcc->statusCount());
  std::vector<uint8_t> scratch;
  auto back = reparse<TwccView>(encode(builder, scratch));
  FUZZ_CHECK(back.statusCount() == twcc->statusCount());
  FUZZ_CHECK(back.receivedCount() == twcc->receivedCount());
  FUZZ_CHECK(back.referenceTime() == twcc->referenceTime());
  TwccStatusCursor a = twcc->cursor();
  TwccStatusCursor b = back.cursor();
  TwccPacketStatus sa;
  TwccPacketStatus sb;
  while (a.next(sa)) {
    FUZZ_CHECK(b.next(sb));
    FUZZ_CHECK(sa.seq == sb.seq && sa.received == sb.received);
    FUZZ_CHECK(!sa.received || sa.arrival_offset_us == sb.arrival_offset_us);
  }
  FUZZ_CHECK(!b.next(sb));
}

void walk(std::span<const uint8_t> bytes, PaddingPolicy policy) {
  CompoundParser parser(bytes, policy);
  while (!parser.done()) {
    auto packet = parser.next();
    if (!packet) return;
    const PacketKind kind = classify(*packet);
    switch (kind) {
      case PacketKind::kSenderReport:
        checkSenderReport(*packet);
        break;
      case PacketKind::kReceiverReport:
        checkReceiverReport(*packet);
        break;
      case PacketKind::kSdes:
        checkSdes(*packet);
        break;
      case PacketKind::kBye:
        checkBye(*packet);
        break;
      case PacketKind::kApp:
        checkApp(*packet);
        break;
      case PacketKind::kNack:
        checkNack(*packet);
        break;
      case PacketKind::kTwcc:
        checkTwcc(*packet);
        break;
      case PacketKind::kPli:
      case PacketKind::kFir:
      case PacketKind::kRemb:
        checkPsfb(*packet, kind);
        break;
      case PacketKind::kXr:
        checkXr(*packet);
        break;
      default:
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  (void)looksLikeRtcp(bytes);
  auto strict = validateCompound(bytes, PaddingPolicy::kLastOnly);
  auto relaxed = validateCompound(bytes, PaddingPolicy::kAnyPacket);
  FUZZ_CHECK(!strict || (relaxed && *relaxed == *strict));  // strict accepts a subset
  walk(bytes, PaddingPolicy::kAnyPacket);
  return 0;
}
