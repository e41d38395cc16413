// UTF-8 <-> UTF-16 conversion with strict validation (no overlong forms, no encoded surrogates,
// no lone surrogates). Positions in documents are UTF-16 code units, as in CodeMirror.
#pragma once
#include <string>
#include <string_view>

namespace coplan::text {

// Throws coded_error("bad_unicode") on ill-formed UTF-8.
std::u16string utf8_to_utf16(std::string_view in);
// Appends the UTF-8 form of `in` to `out`. Throws coded_error("bad_unicode") on a lone surrogate.
void append_utf8(std::string& out, std::u16string_view in);
std::string utf16_to_utf8(std::u16string_view in);
// Appends `in` as the inside of a JSON string (no quotes), escaped exactly as nlohmann::json's
// dump() escapes it. Throws coded_error("bad_unicode") on a lone surrogate.
void append_json_escaped(std::string& out, std::u16string_view in);
// The same, in quotes: a whole JSON string equal to nlohmann::json(utf8 of in).dump().
void append_json_string(std::string& out, std::u16string_view in);
// Number of UTF-16 code units the valid UTF-8 string `in` encodes (no validation).
std::size_t utf16_length_of_utf8(std::string_view in);

inline bool is_high_surrogate(char16_t c) { return c >= 0xD800 && c <= 0xDBFF; }
inline bool is_low_surrogate(char16_t c) { return c >= 0xDC00 && c <= 0xDFFF; }

}  // namespace coplan::text
