// Fuzzes JWT verification (HS256 verifier with a public key absent) and strict base64url decoding.
// Invariants: never crash; a decoded base64url string re-encodes to the same text (one encoding per
// byte string); a token the verifier accepts has a non-empty user id.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signaling/auth/base64url.h"
#include "signaling/auth/jwt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto dec = signaling::auth::base64urlDecode(in)) {
    if (signaling::auth::base64urlEncode(*dec) != in) std::abort();
  }
  static const signaling::auth::JwtVerifier verifier("fuzz-secret");
  auto r = verifier.verify(in, 1'700'000'000);
  if (r.ok() && r.claims->user_id.empty()) std::abort();
  return 0;
}
