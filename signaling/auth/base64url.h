// Base64url (RFC 4648 section 5) without padding, as JWS uses it (RFC 7515 section 2 and
// appendix C). Decoding is strict: only the url-safe alphabet, no '=' padding, no whitespace,
// no length of 1 mod 4, and the unused low bits of the last character must be zero, so every
// byte string has exactly one accepted encoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace signaling::auth {

std::string base64urlEncode(std::string_view bytes);
std::optional<std::string> base64urlDecode(std::string_view text);

}  // namespace signaling::auth
