#include "rtp/rtp/header_extensions.h"

#include <cstring>

namespace rtp {

namespace {

uint16_t profileFor(ExtensionForm form) {
  return form == ExtensionForm::kTwoByte ? kTwoByteExtensionProfile : kOneByteExtensionProfile;
}

size_t roundUp4(size_t n) { return (n + 3) & ~size_t{3}; }

// Copies the packet's elements (except `skipId`, with ids mapped through `map` when given) plus
// an optional new element into a stack block, then installs it in the packet.
ExtensionError rebuild(RtpPacket& packet, ExtensionForm form, uint8_t skipId,
                       const ExtensionIdMap* map, uint8_t addId, std::span<const uint8_t> addValue,
                       bool add) {
  uint8_t scratch[kMaxRebuiltExtensionBlock];
  ExtensionBlockWriter writer(form, scratch);
  ExtensionReader reader(packet);
  while (auto e = reader.next()) {
    if (e->id == skipId) continue;
    const uint8_t id = map ? (*map)[e->id] : e->id;
    if (id == 0) continue;
    if (!writer.add(id, e->value)) return ExtensionError::kTooLarge;
  }
  if (add && !writer.add(addId, addValue)) return ExtensionError::kTooLarge;
  if (writer.empty()) {
    packet.removeExtension();
    return ExtensionError::kNone;
  }
  const std::optional<size_t> size = writer.finish();
  if (!size) return ExtensionError::kTooLarge;
  if (!packet.resizeExtension(profileFor(form), *size)) return ExtensionError::kNoRoom;
  std::memcpy(packet.extensionData().data(), scratch, *size);
  return ExtensionError::kNone;
}

// The one-byte walk of ExtensionReader, unrolled for the hot paths (every forwarded packet):
// calls visit(pos, id, len) for each element, pos at its header byte, until visit returns true.
// Stops like the reader at the end, at an ID 15 or at malformed data; returns the end of the last
// element read.
template <typename Visit>
size_t walkOneByte(const uint8_t* b, size_t n, Visit&& visit) {
  size_t pos = 0;
  size_t used = 0;
  while (pos < n) {
    const uint8_t h = b[pos];
    if (h == 0) {
      ++pos;
      continue;
    }
    const uint8_t id = h >> 4;
    const size_t len = size_t{h & 0x0Fu} + 1;
    if (id == 15 || id == 0 || len > n - pos - 1) break;
    if (visit(pos, id, len)) return pos + 1 + len;
    pos += 1 + len;
    used = pos;
  }
  return used;
}

}  // namespace

ExtensionForm extensionForm(uint16_t profile) {
  if (profile == kOneByteExtensionProfile) return ExtensionForm::kOneByte;
  if ((profile & 0xFFF0) == kTwoByteExtensionProfile) return ExtensionForm::kTwoByte;
  return ExtensionForm::kOther;
}

ExtensionForm extensionForm(const RtpPacket& packet) {
  return packet.hasExtension() ? extensionForm(packet.extensionProfile()) : ExtensionForm::kNone;
}

std::string_view toString(ExtensionError error) {
  switch (error) {
    case ExtensionError::kNone:
      return "none";
    case ExtensionError::kBadId:
      return "bad_id";
    case ExtensionError::kBadSize:
      return "bad_size";
    case ExtensionError::kNoRoom:
      return "no_room";
    case ExtensionError::kNotFound:
      return "not_found";
    case ExtensionError::kMalformed:
      return "malformed";
    case ExtensionError::kUnsupportedProfile:
      return "unsupported_profile";
    case ExtensionError::kTooLarge:
      return "too_large";
  }
  return "unknown";
}

std::optional<HeaderExtension> ExtensionReader::next() {
  if (form_ != ExtensionForm::kOneByte && form_ != ExtensionForm::kTwoByte) return std::nullopt;
  const size_t size = block_.size();
  while (pos_ < size) {
    const uint8_t b = block_[pos_];
    if (b == 0) {  // padding byte, both forms (RFC 8285 §4.2, §4.3)
      ++pos_;
      continue;
    }
    HeaderExtension e;
    e.offset = pos_;
    size_t valueSize;
    size_t headerSize;
    if (form_ == ExtensionForm::kOneByte) {
      e.id = b >> 4;
      if (e.id == 15) {  // §4.2: reserved, stop processing here
        pos_ = size;
        return std::nullopt;
      }
      if (e.id == 0) {  // ID 0 with a non-zero length nibble: not padding, not an element
        malformed_ = true;
        pos_ = size;
        return std::nullopt;
      }
      valueSize = size_t{b & 0x0Fu} + 1;
      headerSize = 1;
    } else {
      if (pos_ + 2 > size) {
        malformed_ = true;
        pos_ = size;
        return std::nullopt;
      }
      e.id = b;
      valueSize = block_[pos_ + 1];
      headerSize = 2;
    }
    if (valueSize > size - pos_ - headerSize) {
      malformed_ = true;
      pos_ = size;
      return std::nullopt;
    }
    e.value = block_.subspan(pos_ + headerSize, valueSize);
    pos_ += headerSize + valueSize;
    usedEnd_ = pos_;
    return e;
  }
  return std::nullopt;
}

std::optional<std::span<const uint8_t>> findOneByteElement(std::span<const uint8_t> block,
                                                           uint8_t id) {
  std::optional<std::span<const uint8_t>> found;
  walkOneByte(block.data(), block.size(), [&](size_t pos, uint8_t eid, size_t len) {
    if (eid != id) return false;
    found = block.subspan(pos + 1, len);
    return true;
  });
  return found;
}

std::optional<std::span<const uint8_t>> findExtension(const RtpPacket& packet, uint8_t id) {
  if (id == 0 || !packet.hasExtension()) return std::nullopt;
  if (packet.extensionProfile() == kOneByteExtensionProfile) {
    return findOneByteElement(packet.extensionData(), id);
  }
  ExtensionReader reader(packet);
  while (auto e = reader.next()) {
    if (e->id == id) return e->value;
  }
  return std::nullopt;
}

std::optional<std::span<uint8_t>> findExtension(RtpPacket& packet, uint8_t id) {
  const RtpPacket& cp = packet;
  auto v = findExtension(cp, id);
  if (!v) return std::nullopt;
  return std::span<uint8_t>(packet.data() + (v->data() - cp.data()), v->size());
}

ExtensionError setExtension(RtpPacket& packet, uint8_t id, std::span<const uint8_t> value) {
  if (id == 0) return ExtensionError::kBadId;
  if (value.size() > kTwoByteMaxValueSize) return ExtensionError::kBadSize;
  const ExtensionForm form = extensionForm(packet);
  if (form == ExtensionForm::kOther) return ExtensionError::kUnsupportedProfile;

  std::optional<HeaderExtension> found;
  size_t usedEnd = 0;
  if (form != ExtensionForm::kNone) {
    ExtensionReader reader(packet);
    while (auto e = reader.next()) {
      if (e->id == id && !found) found = e;
    }
    if (reader.malformed()) return ExtensionError::kMalformed;
    usedEnd = reader.usedEnd();
  }
  const bool fitsOne = fitsOneByteForm(id, value.size());
  const ExtensionForm target = (form == ExtensionForm::kTwoByte || !fitsOne)
                                   ? ExtensionForm::kTwoByte
                                   : ExtensionForm::kOneByte;

  if (found && target == form && value.size() <= found->value.size()) {
    // Same or smaller size: rewrite in place, zero the freed bytes (padding).
    uint8_t* block = packet.extensionData().data();
    uint8_t* elem = block + found->offset;
    const size_t oldSize = found->value.size();
    size_t header;
    if (form == ExtensionForm::kOneByte) {
      elem[0] = static_cast<uint8_t>((id << 4) | (value.size() - 1));
      header = 1;
    } else {
      elem[1] = static_cast<uint8_t>(value.size());
      header = 2;
    }
    if (!value.empty()) std::memcpy(elem + header, value.data(), value.size());
    std::memset(elem + header + value.size(), 0, oldSize - value.size());
    return ExtensionError::kNone;
  }

  if (!found && (target == form || form == ExtensionForm::kNone)) {
    // Append after the last element: into trailing padding, or into a grown block.
    const size_t need = extensionElementSize(target, value.size());
    const size_t blockSize = packet.extensionData().size();
    if (form == ExtensionForm::kNone || usedEnd + need > blockSize) {
      if (!packet.resizeExtension(profileFor(target), roundUp4(usedEnd + need))) {
        return ExtensionError::kNoRoom;
      }
    }
    std::span<uint8_t> block = packet.extensionData();
    ExtensionBlockWriter writer(target, block.subspan(usedEnd));
    writer.add(id, value);
    // Anything after the new element (old padding, an ignored ID-15 tail) becomes padding.
    std::memset(block.data() + usedEnd + need, 0, block.size() - usedEnd - need);
    return ExtensionError::kNone;
  }

  return rebuild(packet, target, id, nullptr, id, value, true);
}

ExtensionError removeExtension(RtpPacket& packet, uint8_t id, RemoveMode mode) {
  const ExtensionForm form = extensionForm(packet);
  if (form == ExtensionForm::kOther) return ExtensionError::kUnsupportedProfile;
  if (form == ExtensionForm::kNone || id == 0) return ExtensionError::kNotFound;
  std::optional<HeaderExtension> found;
  ExtensionReader reader(packet);
  while (auto e = reader.next()) {
    if (e->id == id) {
      found = e;
      break;
    }
  }
  if (!found) return reader.malformed() ? ExtensionError::kMalformed : ExtensionError::kNotFound;
  if (mode == RemoveMode::kPad) {
    const size_t header = form == ExtensionForm::kOneByte ? 1 : 2;
    std::memset(packet.extensionData().data() + found->offset, 0, header + found->value.size());
    return ExtensionError::kNone;
  }
  return rebuild(packet, form, id, nullptr, 0, {}, false);
}

ExtensionIdMap ExtensionIdMap::identity() {
  ExtensionIdMap m;
  for (size_t i = 0; i < m.to_.size(); ++i) m.to_[i] = static_cast<uint8_t>(i);
  m.oneByteSafe_ = false;
  return m;
}

void ExtensionIdMap::set(uint8_t from, uint8_t to) {
  to_[from] = to;
  oneByteSafe_ = true;
  for (size_t i = 1; i < to_.size(); ++i) {
    if (to_[i] > kOneByteMaxId) {
      oneByteSafe_ = false;
      break;
    }
  }
}

void rewriteOneByteIds(std::span<uint8_t> block, const ExtensionIdMap& map) {
  uint8_t* b = block.data();
  const size_t used = walkOneByte(b, block.size(), [&](size_t pos, uint8_t id, size_t len) {
    const uint8_t to = map[id];
    if (to == 0) {
      std::memset(b + pos, 0, 1 + len);
    } else {
      b[pos] = static_cast<uint8_t>((to << 4) | (len - 1));
    }
    return false;
  });
  // Whatever the walk could not read must not leak through.
  std::memset(b + used, 0, block.size() - used);
}

ExtensionError rewriteExtensionIds(RtpPacket& packet, const ExtensionIdMap& map) {
  const ExtensionForm form = extensionForm(packet);
  if (form == ExtensionForm::kNone) return ExtensionError::kNone;
  if (form == ExtensionForm::kOther) return ExtensionError::kUnsupportedProfile;
  std::span<uint8_t> block = packet.extensionData();

  if (form == ExtensionForm::kOneByte && !map.oneByteSafe()) {
    // Only rebuild when an element present actually maps above 14.
    ExtensionReader probe(packet);
    while (auto e = probe.next()) {
      if (map[e->id] > kOneByteMaxId) {
        return rebuild(packet, ExtensionForm::kTwoByte, 0, &map, 0, {}, false);
      }
    }
  }

  if (form == ExtensionForm::kOneByte && map.oneByteSafe()) {
    rewriteOneByteIds(block, map);
    return ExtensionError::kNone;
  }

  ExtensionReader reader(packet);
  while (auto e = reader.next()) {
    uint8_t* elem = block.data() + e->offset;
    const uint8_t to = map[e->id];
    const size_t header = form == ExtensionForm::kOneByte ? 1 : 2;
    if (to == 0) {
      std::memset(elem, 0, header + e->value.size());
    } else if (form == ExtensionForm::kOneByte) {
      elem[0] = static_cast<uint8_t>((to << 4) | (elem[0] & 0x0F));
    } else {
      elem[0] = to;
    }
  }
  // Whatever the walk could not read (malformed data, an ID 15 tail) must not leak through.
  const size_t end = reader.usedEnd();
  std::memset(block.data() + end, 0, block.size() - end);
  return ExtensionError::kNone;
}

bool ExtensionBlockWriter::add(uint8_t id, std::span<const uint8_t> value) {
  if (failed_) return false;
  const bool valid =
      form_ == ExtensionForm::kOneByte
          ? fitsOneByteForm(id, value.size())
          : (form_ == ExtensionForm::kTwoByte && id != 0 && value.size() <= kTwoByteMaxValueSize);
  const size_t need = extensionElementSize(form_, value.size());
  if (!valid || need > out_.size() - pos_) {
    failed_ = true;
    return false;
  }
  if (form_ == ExtensionForm::kOneByte) {
    out_[pos_] = static_cast<uint8_t>((id << 4) | (value.size() - 1));
  } else {
    out_[pos_] = id;
    out_[pos_ + 1] = static_cast<uint8_t>(value.size());
  }
  const size_t header = need - value.size();
  if (!value.empty()) std::memcpy(out_.data() + pos_ + header, value.data(), value.size());
  pos_ += need;
  return true;
}

std::optional<size_t> ExtensionBlockWriter::finish() {
  if (failed_) return std::nullopt;
  const size_t padded = roundUp4(pos_);
  if (padded > out_.size()) return std::nullopt;
  std::memset(out_.data() + pos_, 0, padded - pos_);
  return padded;
}

}  // namespace rtp
