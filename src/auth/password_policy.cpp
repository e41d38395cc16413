// Password rules and a short list of the most common passwords (see password_policy.hpp).
#include "auth/password_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "text/utf16.hpp"

namespace coplan::auth {

namespace {

// Passwords of 10+ characters that appear at the top of public breach-frequency lists.
constexpr std::array<std::string_view, 60> common{
    "1234567890", "0123456789", "12345678910", "1234567891", "123456789a", "1q2w3e4r5t", "1qaz2wsx3edc",
    "qwertyuiop", "qwerty1234", "qwerty12345", "qwerty123456", "asdfghjkl;", "zxcvbnm123", "password12",
    "password123", "password1234", "password!1", "passw0rd123", "p@ssw0rd123", "iloveyou12", "iloveyou123",
    "welcome123", "welcome1234", "letmein123", "sunshine123", "princess123", "football123", "baseball123",
    "superman123", "abc1234567", "abcdefghij", "abcd123456", "aaaaaaaaaa", "1111111111", "0000000000",
    "1234512345", "9876543210", "changeme123", "administrator", "admin12345", "adminadmin", "trustno1234",
    "computer123", "internet123", "monkey1234", "dragon1234", "michael123", "jennifer123", "starwars123",
    "teacher123", "teacher2024", "teacher2025", "teacher2026", "library123", "librarian1", "school1234",
    "student123", "classroom1", "summer2026", "winter2026"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string password_policy::problem_with(const std::string& password, const std::string& username) {
  std::size_t length = 0;
  try {
    length = text::utf8_to_utf16(password).size();
  } catch (...) {
    return "The password has characters that cannot be used.";
  }
  if (length < min_length) return "Use at least " + std::to_string(min_length) + " characters.";
  if (password.size() > max_length) return "Use at most " + std::to_string(max_length) + " characters.";
  auto l = lower(password);
  if (std::find(common.begin(), common.end(), l) != common.end())
    return "That password is one of the first ones attackers try. Choose another.";
  if (std::all_of(l.begin(), l.end(), [&](char c) { return c == l[0]; })) return "Use more than one kind of character.";
  if (!username.empty() && l.find(lower(username)) != std::string::npos) return "Do not put your username in your password.";
  return "";
}

}  // namespace coplan::auth
