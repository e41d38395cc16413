// Strict UTF-8 <-> UTF-16 conversion (see utf16.hpp).
#include "text/utf16.hpp"

#include "text/coded_error.hpp"

namespace coplan::text {

namespace {
[[noreturn]] void bad_utf8() { throw coded_error("bad_unicode", "text is not valid UTF-8"); }
}  // namespace

std::u16string utf8_to_utf16(std::string_view in) {
  std::u16string out;
  out.reserve(in.size());
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = p + in.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      out.push_back(c);
      ++p;
      continue;
    }
    char32_t cp;
    int extra;
    char32_t min;
    if (c >= 0xC2 && c <= 0xDF) { cp = c & 0x1F; extra = 1; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { cp = c & 0x0F; extra = 2; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { cp = c & 0x07; extra = 3; min = 0x10000; }
    else bad_utf8();
    if (end - p <= extra) bad_utf8();
    for (int i = 1; i <= extra; ++i) {
      unsigned char cc = p[i];
      if ((cc & 0xC0) != 0x80) bad_utf8();
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) bad_utf8();
    p += extra + 1;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

void append_utf8(std::string& out, std::u16string_view in) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    char32_t cp = in[i];
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
      continue;
    }
    if (is_high_surrogate(in[i])) {
      if (i + 1 >= in.size() || !is_low_surrogate(in[i + 1]))
        throw coded_error("bad_unicode", "text holds a lone surrogate");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (in[i + 1] - 0xDC00);
      ++i;
    } else if (is_low_surrogate(in[i])) {
      throw coded_error("bad_unicode", "text holds a lone surrogate");
    }
    if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
}

std::string utf16_to_utf8(std::u16string_view in) {
  std::string out;
  out.reserve(in.size());
  append_utf8(out, in);
  return out;
}

void append_json_escaped(std::string& out, std::u16string_view in) {
  static constexpr char hex[] = "0123456789abcdef";
  std::size_t i = 0;
  while (i < in.size()) {
    // A run of printable ASCII other than '"' and '\\' is copied as it is, in one step.
    std::size_t j = i;
    while (j < in.size() && in[j] >= 0x20 && in[j] < 0x80 && in[j] != u'"' && in[j] != u'\\') ++j;
    if (j > i) {
      auto at = out.size();
      out.resize(at + (j - i));
      char* p = out.data() + at;
      for (std::size_t k = i; k < j; ++k) *p++ = static_cast<char>(in[k]);
      i = j;
      continue;
    }
    char16_t c = in[i];
    if (c >= 0x80) {
      while (j < in.size() && in[j] >= 0x80) ++j;
      append_utf8(out, in.substr(i, j - i));
      i = j;
      continue;
    }
    switch (c) {
      case u'"': out += "\\\""; break;
      case u'\\': out += "\\\\"; break;
      case u'\b': out += "\\b"; break;
      case u'\f': out += "\\f"; break;
      case u'\n': out += "\\n"; break;
      case u'\r': out += "\\r"; break;
      case u'\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 0xF]);
    }
    ++i;
  }
}

void append_json_string(std::string& out, std::u16string_view in) {
  out.push_back('"');
  append_json_escaped(out, in);
  out.push_back('"');
}

std::size_t utf16_length_of_utf8(std::string_view in) {
  std::size_t n = 0;
  for (unsigned char c : in) {
    if ((c & 0xC0) == 0x80) continue;
    n += (c >= 0xF0) ? 2 : 1;
  }
  return n;
}

}  // namespace coplan::text
