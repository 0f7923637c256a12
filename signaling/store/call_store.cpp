#include "signaling/store/call_store.h"

namespace signaling::store {

const ParticipantRecord* CallRecord::participant(const std::string& user_id) const {
  for (const auto& p : participants) {
    if (p.user_id == user_id) return &p;
  }
  return nullptr;
}

ParticipantRecord* CallRecord::participant(const std::string& user_id) {
  for (auto& p : participants) {
    if (p.user_id == user_id) return &p;
  }
  return nullptr;
}

}  // namespace signaling::store
