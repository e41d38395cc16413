// WebSocket conformance over a raw socket: ports the intent of the Autobahn|Testsuite case groups 1
// (framing), 2 (pings and pongs), 3 (reserved bits), 4 (opcodes), 5 (fragmentation), 6 (UTF-8),
// 7 (closing) and 9 (limits and bursts) to Coplan, which answers protocol JSON rather than echoing.
// Case numbers in the comments are Autobahn's. After every case that fails a connection, a fresh
// client must still be served.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "support/raw_ws.hpp"
#include "support/test_server.hpp"

using namespace coplan;
using namespace coplan::test_support;
using nlohmann::json;
namespace op = coplan::test_support::ws_opcode;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t mib = std::size_t{1} << 20;  // the named WebSocket message limit

// {"type":"ping","pad":"xxx…"}: a valid message of exactly `size` bytes (at least 24), answered with pong.
std::string ping_of_size(std::size_t size) {
  const std::string head = R"({"type":"ping","pad":")", tail = R"("})";
  return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

// A valid message carrying `text` unescaped inside a JSON string, answered with pong.
std::string ping_with(std::string_view text) { return R"({"type":"ping","x":")" + std::string(text) + R"("})"; }

// A push the server refuses with bad_version and `ref.version` = version: numbered answers, in order.
std::string numbered_push(std::uint64_t version, std::size_t size = 0) {
  std::string m = R"({"type":"push","stream":"unit.goals","version":)" + std::to_string(version) +
                  R"(,"updates":[{"clientID":"burst","changes":[0]}],"pad":")";
  if (size > m.size() + 2) m += std::string(size - m.size() - 2, 'p');
  return m + "\"}";
}

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string utf8_of(char32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    s.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    s.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
  return s;
}

std::string type_of(const json& j) { return j.is_object() ? j.value("type", "") : "(not a JSON object)"; }

// Frames `text` as a fragmented message: a text frame, then continuation frames, `piece` bytes each.
std::string fragmented(std::string_view text, std::size_t piece, std::uint8_t opcode = op::text) {
  std::string out;
  for (std::size_t at = 0; at < text.size() || at == 0; at += piece) {
    const bool last = at + piece >= text.size();
    out += encode_frame(at == 0 ? opcode : op::cont, text.substr(at, piece), {.fin = last});
    if (last) break;
  }
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

class ServerWsConformance : public ::testing::Test {
protected:
  test_server ts_;
  std::string cookie_ = sign_in(ts_.port(), "lib");
  int clients_ = 0;

  // A client past the upgrade (extensions: a Sec-WebSocket-Extensions offer).
  std::unique_ptr<raw_ws> open(const std::string& extensions = "") {
    auto c = std::make_unique<raw_ws>(ts_.port(), ts_.ws_path(), cookie_, extensions);
    EXPECT_TRUE(c->upgraded()) << "upgrade refused: status " << c->status();
    return c;
  }
  // A client past hello.
  std::unique_ptr<raw_ws> joined() {
    auto c = open();
    EXPECT_TRUE(c->hello("raw" + std::to_string(++clients_))) << "no welcome: " << c->last().describe();
    return c;
  }

  // The next thing the server sends is the JSON message of `type`.
  json expect_json(raw_ws& c, const std::string& type, const std::string& what = "") {
    auto j = c.next_json();
    EXPECT_EQ(type_of(j), type) << what << ": got " << c.last().describe();
    return j;
  }
  void expect_pong(raw_ws& c, const std::string& what = "") { expect_json(c, "pong", what); }
  void expect_error(raw_ws& c, const std::string& code, const std::string& what = "") {
    auto j = expect_json(c, "error", what);
    if (j.is_object()) {
      EXPECT_EQ(j.value("code", ""), code) << what;
    }
  }
  // The next thing the server sends is a pong frame carrying `payload`.
  void expect_pong_frame(raw_ws& c, const std::string& payload, const std::string& what = "") {
    auto e = c.next();
    EXPECT_EQ(e.kind, ws_event::pong) << what << ": got " << e.describe();
    EXPECT_EQ(e.payload, payload) << what;
  }

  // The server failed the connection: the very next thing it sends is a close frame with `code`
  // (so nothing sent after the offending frame was answered), then it ends the TCP stream. Then a
  // fresh client is still served.
  void expect_failed(raw_ws& c, std::uint16_t code, const std::string& what) {
    expect_failed_with(c, {code}, what);
  }
  void expect_failed_with(raw_ws& c, std::vector<std::uint16_t> codes, const std::string& what) {
    expect_close_answered(c, std::move(codes), what);
    expect_still_serving(what);
  }
  // We started a clean close: the server answers with a close frame carrying one of `codes` (0: no
  // code), sends nothing after it, and ends the TCP stream.
  void expect_close_answered(raw_ws& c, std::vector<std::uint16_t> codes, const std::string& what) {
    auto e = c.next();
    EXPECT_EQ(e.kind, ws_event::close) << what << ": got " << e.describe();
    if (e.kind == ws_event::close) {
      auto code = e.close_code.value_or(0);
      EXPECT_NE(std::find(codes.begin(), codes.end(), code), codes.end()) << what << ": closed with " << code;
    }
    EXPECT_TRUE(c.ends_cleanly()) << what << ": the TCP stream did not end (alone) after the close frame";
  }
  void expect_still_serving(const std::string& what) {
    auto f = joined();
    f->send_text(R"({"type":"ping"})");
    expect_pong(*f, "a fresh client after " + what);
    f->send_close(1000);
    expect_close_answered(*f, {1000}, "a fresh client's close after " + what);
  }
};

// The upgrade: a correct 101, and no extension accepted (so every RSV bit must stay clear).
TEST_F(ServerWsConformance, UpgradeNegotiatesNoExtension) {
  auto c = open("permessage-deflate; client_max_window_bits");
  ASSERT_TRUE(c->upgraded());
  EXPECT_EQ(c->header("Sec-WebSocket-Extensions"), "");
  EXPECT_TRUE(c->hello("x"));
  // RSV1 means "compressed" only under permessage-deflate, which was declined.
  c->send_frame(op::text, R"({"type":"ping"})", {.rsv = 4});
  expect_failed(*c, 1002, "RSV1 after permessage-deflate was declined");
}

// Group 1: payload lengths at the 7-bit, 16-bit and 64-bit length encodings' edges, in one write
// and chopped up (byte by byte for the header), text and binary.
TEST_F(ServerWsConformance, Group1Framing) {
  auto c = joined();
  // 1.1.1, 1.2.1: empty messages are answered (an empty text is not JSON; binary is not Coplan's).
  c->send_frame(op::text, "");
  expect_error(*c, "bad_json", "1.1.1 empty text");
  c->send_frame(op::binary, "");
  expect_error(*c, "bad_message", "1.2.1 empty binary");
  for (std::size_t size : {std::size_t{125}, std::size_t{126}, std::size_t{127}, std::size_t{128}, std::size_t{65535},
                           std::size_t{65536}}) {
    const int length_bytes = size < 126 ? 1 : size < 65536 ? 2 : 8;
    for (std::uint8_t opcode : {op::text, op::binary}) {
      for (bool chopped : {false, true}) {
        const std::string what = std::string(opcode == op::text ? "text" : "binary") + " of " + std::to_string(size) +
                                 (chopped ? " bytes, chopped" : " bytes, one write");
        SCOPED_TRACE(what);
        std::string frame = encode_frame(opcode, opcode == op::text ? ping_of_size(size) : std::string(size, '\xfe'));
        ASSERT_EQ(frame.size(), 1 + static_cast<std::size_t>(length_bytes == 1 ? 1 : 1 + length_bytes) + 4 + size);
        if (!chopped) {
          c->send(frame);
        } else if (size <= 128) {
          c->send(frame, 1);  // 1.1.x octet-wise
        } else {
          c->send(std::string_view(frame).substr(0, 24), 1);  // header and length split across writes
          c->send(std::string_view(frame).substr(24), 997);    // 1.1.8: chops of 997 octets
        }
        if (opcode == op::text) expect_pong(*c, what);
        else expect_error(*c, "bad_message", what);
      }
    }
  }
  // RFC 6455 5.2: lengths take the fewest bytes; a longer encoding is a protocol error.
  c->send_frame(op::text, R"({"type":"ping"})", {.length_bytes = 2});
  expect_failed(*c, 1002, "a 16-bit length under 126");
  c = joined();
  c->send_frame(op::text, ping_of_size(1000), {.length_bytes = 8});
  expect_failed(*c, 1002, "a 64-bit length under 65536");
  // The 64-bit length's top bit must be 0; such a frame is also far over the message limit.
  c = joined();
  c->send(std::string("\x81\xff\x80\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04", 14));
  expect_failed_with(*c, {1002, 1009}, "a 64-bit length with the top bit set");
}

// Group 2: pings are answered by pongs with the same payload; pongs are never answered.
TEST_F(ServerWsConformance, Group2PingsAndPongs) {
  auto c = joined();
  c->send_frame(op::ping, "");
  expect_pong_frame(*c, "", "2.1 ping without payload");
  c->send_frame(op::ping, "Hello, world!");
  expect_pong_frame(*c, "Hello, world!", "2.2 ping with text payload");
  const std::string binary("\x00\xff\xfe\xfd\xfc\xfb\x00\xff", 8);
  c->send_frame(op::ping, binary);
  expect_pong_frame(*c, binary, "2.3 ping with binary payload");
  c->send_frame(op::ping, std::string(125, '\xfe'));
  expect_pong_frame(*c, std::string(125, '\xfe'), "2.4 ping of 125 bytes");
  c->send_frame(op::ping, std::string(125, '\xfe'), {}, 1);
  expect_pong_frame(*c, std::string(125, '\xfe'), "2.6 ping of 125 bytes, octet-wise");
  // 2.7, 2.8: unsolicited pongs get nothing back: the next thing is the answer to a later message.
  c->send_frame(op::pong, "");
  c->send_frame(op::pong, "unsolicited pong payload");
  c->send_text(R"({"type":"ping"})");
  expect_pong(*c, "2.7/2.8 after unsolicited pongs");
  // 2.9: an unsolicited pong, then a ping: only the ping is answered.
  c->send(encode_frame(op::pong, "unsolicited pong payload") + encode_frame(op::ping, "ping payload"));
  expect_pong_frame(*c, "ping payload", "2.9");
  // 2.10, 2.11: ten pings with payloads, in one write and octet-wise: ten pongs, in order.
  for (std::size_t chop : {std::size_t{0}, std::size_t{1}}) {
    std::string pings;
    for (int i = 0; i < 10; ++i) pings += encode_frame(op::ping, "payload-" + std::to_string(i));
    c->send(pings, chop);
    for (int i = 0; i < 10; ++i) expect_pong_frame(*c, "payload-" + std::to_string(i), chop ? "2.11" : "2.10");
  }
  // Pings between application messages do not disturb them.
  c->send(encode_frame(op::ping, "a") + encode_frame(op::text, R"({"type":"ping"})") + encode_frame(op::ping, "b"));
  expect_pong_frame(*c, "a", "ping before a message");
  expect_pong_frame(*c, "b", "ping after a message");
  expect_pong(*c, "the message between pings");
  // 2.5: a control frame's payload is at most 125 bytes.
  c->send_frame(op::ping, std::string(126, '\xfe'));
  expect_failed(*c, 1002, "2.5 ping of 126 bytes");
}

// Group 3: a reserved bit set without an extension fails the connection (1002), and nothing sent
// after the offending frame is answered.
TEST_F(ServerWsConformance, Group3ReservedBits) {
  struct rsv_case {
    const char* name;
    std::uint8_t rsv, opcode;
    std::size_t chop;
  };
  for (const auto& k : {rsv_case{"3.1 text, RSV=1", 1, op::text, 0}, rsv_case{"3.2 text, RSV=2", 2, op::text, 0},
                        rsv_case{"3.3 text, RSV=3, octet-wise", 3, op::text, 1},
                        rsv_case{"3.4 text, RSV=4, octet-wise", 4, op::text, 1}, rsv_case{"3.5 binary, RSV=5", 5, op::binary, 0},
                        rsv_case{"3.6 ping, RSV=6", 6, op::ping, 0}, rsv_case{"3.7 close, RSV=7", 7, op::close, 0}}) {
    SCOPED_TRACE(k.name);
    auto c = joined();
    c->send_text(R"({"type":"ping"})");
    expect_pong(*c, k.name);
    const std::string payload = k.opcode == op::text    ? R"({"type":"ping"})"
                                : k.opcode == op::close ? close_payload(1000)
                                                        : "\xff\x01";
    c->send(encode_frame(k.opcode, payload, {.rsv = k.rsv}) + encode_frame(op::ping, "after") +
                encode_frame(op::text, R"({"type":"ping"})"),
            k.chop);
    expect_failed(*c, 1002, k.name);
  }
}

// Group 4: reserved opcodes, data (3–7) and control (11–15), fail the connection (1002).
TEST_F(ServerWsConformance, Group4ReservedOpcodes) {
  for (std::uint8_t code : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
    const std::string what = "reserved opcode " + std::to_string(code);
    SCOPED_TRACE(what);
    auto c = joined();
    c->send_text(R"({"type":"ping"})");
    expect_pong(*c, what);
    // 4.x.1 empty, 4.x.2+ with a payload; 4.x.5 octet-wise; a ping after it is never answered.
    const std::string payload = code % 2 ? "reserved opcode payload" : "";
    c->send(encode_frame(code, payload) + encode_frame(op::ping, "after") + encode_frame(op::text, R"({"type":"ping"})"),
            code == 7 || code == 15 ? 1 : 0);
    expect_failed(*c, 1002, what);
  }
}

// Group 5: fragmented messages are put together, control frames may come between fragments but may
// not be fragmented themselves, and continuation frames need a message to continue.
TEST_F(ServerWsConformance, Group5Fragmentation) {
  {
    auto c = joined();
    const std::string msg = ping_with("fragmented");
    // 5.3 one write, 5.4 frame by frame, 5.5 octet-wise.
    const std::string frames = encode_frame(op::text, msg.substr(0, 10), {.fin = false}) + encode_frame(op::cont, msg.substr(10));
    c->send(frames);
    expect_pong(*c, "5.3");
    c->send_frame(op::text, msg.substr(0, 10), {.fin = false});
    c->send_frame(op::cont, msg.substr(10));
    expect_pong(*c, "5.4");
    c->send(frames, 1);
    expect_pong(*c, "5.5");
    // 5.6–5.8: a ping between the fragments is answered at once, then the message.
    const std::string with_ping = encode_frame(op::text, msg.substr(0, 10), {.fin = false}) +
                                  encode_frame(op::ping, "ping payload") + encode_frame(op::cont, msg.substr(10));
    for (std::size_t chop : {std::size_t{0}, std::size_t{1}}) {
      c->send(with_ping, chop);
      expect_pong_frame(*c, "ping payload", chop ? "5.8" : "5.6");
      expect_pong(*c, chop ? "5.8" : "5.6");
    }
    c->send_frame(op::text, msg.substr(0, 10), {.fin = false});
    c->send_frame(op::ping, "ping payload");
    c->send_frame(op::cont, msg.substr(10));
    expect_pong_frame(*c, "ping payload", "5.7");
    expect_pong(*c, "5.7");
    // Empty fragments (6.1.2, 6.1.3): three empty ones make an empty message; empty ones around data are nothing.
    c->send(encode_frame(op::text, "", {.fin = false}) + encode_frame(op::cont, "", {.fin = false}) +
            encode_frame(op::cont, ""));
    expect_error(*c, "bad_json", "6.1.2 three empty fragments");
    c->send(encode_frame(op::text, "", {.fin = false}) + encode_frame(op::cont, msg, {.fin = false}) + encode_frame(op::cont, ""));
    expect_pong(*c, "6.1.3 empty, data, empty");
    // Many small fragments, and a binary message in fragments.
    c->send(fragmented(ping_of_size(5000), 7));
    expect_pong(*c, "5000 bytes in 7-byte fragments");
    c->send(fragmented(std::string(300, '\x01'), 100, op::binary));
    expect_error(*c, "bad_message", "binary message in fragments");
    // 5.19, 5.20: the first ping is answered before the message's last fragment has arrived.
    for (std::size_t chop : {std::size_t{0}, std::size_t{1}}) {
      const std::string what = chop ? "5.20" : "5.19";
      const std::string m = ping_with("fragment1fragment2fragment3fragment4fragment5");
      std::vector<std::string> parts{m.substr(0, 12), m.substr(12, 12), m.substr(24, 12), m.substr(36, 12), m.substr(48)};
      c->send(encode_frame(op::text, parts[0], {.fin = false}) + encode_frame(op::cont, parts[1], {.fin = false}) +
                  encode_frame(op::ping, "pongme 1!"),
              chop);
      expect_pong_frame(*c, "pongme 1!", what + " first ping, mid-message");
      auto quiet = c->next(milliseconds(300));
      EXPECT_TRUE(quiet.kind == ws_event::ended && quiet.timed_out) << what << ": " << quiet.describe();
      c->send(encode_frame(op::cont, parts[2], {.fin = false}) + encode_frame(op::cont, parts[3], {.fin = false}) +
                  encode_frame(op::ping, "pongme 2!") + encode_frame(op::cont, parts[4]),
              chop);
      expect_pong_frame(*c, "pongme 2!", what + " second ping");
      expect_pong(*c, what + " message");
    }
  }
  // 5.1, 5.2: control frames may not be fragmented.
  for (std::uint8_t control : {op::ping, op::pong}) {
    const std::string what = control == op::ping ? "5.1 fragmented ping" : "5.2 fragmented pong";
    auto c = joined();
    c->send(encode_frame(control, "fragment1", {.fin = false}) + encode_frame(op::cont, "fragment2"));
    expect_failed(*c, 1002, what);
  }
  // 5.9–5.14: a continuation frame (FIN set or not) with nothing to continue, then a text message;
  // in one write, frame by frame, and octet-wise.
  for (bool fin : {true, false}) {
    for (int how = 0; how < 3; ++how) {
      const std::string what = "5." + std::to_string((fin ? 9 : 12) + how) + " continuation with nothing to continue";
      auto c = joined();
      const std::string a = encode_frame(op::cont, "non-continuation payload", {.fin = fin});
      const std::string b = encode_frame(op::text, R"({"type":"ping"})");
      if (how == 1) {
        c->send(a);
        c->send(b);
      } else {
        c->send(a + b, how == 2 ? 1 : 0);
      }
      expect_failed(*c, 1002, what);
    }
  }
  {
    // 5.15: a complete fragmented message, then a continuation of nothing, then a text message.
    // The first is answered (here with bad_json: the answer to a message that is not JSON is on
    // the wire before the close frame, see AnAnswerIsNotOvertakenByTheCloseOfAFailedConnection);
    // then the connection fails.
    auto c = joined();
    c->send(encode_frame(op::text, "fragment1", {.fin = false}) + encode_frame(op::cont, "fragment2") +
            encode_frame(op::cont, "fragment3", {.fin = false}) + encode_frame(op::text, "fragment4"));
    expect_error(*c, "bad_json", "5.15 first message");
    expect_failed(*c, 1002, "5.15");
  }
  for (bool fin : {false, true}) {
    // 5.16, 5.17: twice: a continuation of nothing, then a fragmented text message.
    const std::string what = fin ? "5.17" : "5.16";
    auto c = joined();
    std::string twice;
    for (int i = 0; i < 2; ++i)
      twice += encode_frame(op::cont, "fragment1", {.fin = fin}) + encode_frame(op::text, "fragment2", {.fin = false}) +
               encode_frame(op::cont, "fragment3");
    c->send(twice);
    expect_failed(*c, 1002, what);
  }
  {
    // 5.18: a new text frame while a fragmented message is open.
    auto c = joined();
    c->send(encode_frame(op::text, R"({"type":)", {.fin = false}) + encode_frame(op::text, R"("ping"})"));
    expect_failed(*c, 1002, "5.18 text frame inside a fragmented message");
  }
  {
    // A binary frame inside a fragmented text message.
    auto c = joined();
    c->send(encode_frame(op::text, R"({"type":)", {.fin = false}) + encode_frame(op::binary, R"("ping"})"));
    expect_failed(*c, 1002, "binary frame inside a fragmented text message");
  }
}

// Bug: an answer the session writes itself (here bad_json) was dropped when the connection failed
// on the very next frame while another write was under way: the answer waited in the queue, the
// next read found the protocol error, and Beast's close frame went out first. Group5Fragmentation's
// 5.15 failed so in two CI runs under ASan, when the welcome's write had not yet completed. Now
// reading waits for such an answer to be written. Pongs answered through the unit keep a write
// under way here; some may be dropped by the failure, the error may not.
TEST_F(ServerWsConformance, AnAnswerIsNotOvertakenByTheCloseOfAFailedConnection) {
  int pongs_before = 0, pongs_after = 0;
  for (int round = 0; round < 60; ++round) {
    const std::string what = "round " + std::to_string(round);
    auto c = joined();
    std::string frames;
    for (int i = 0; i < 20; ++i) frames += encode_frame(op::text, R"({"type":"ping"})");
    frames += encode_frame(op::text, "not JSON") + encode_frame(op::cont, "nothing to continue") +
              encode_frame(op::text, R"({"type":"ping"})");
    c->send(frames);
    bool answered = false;
    auto e = c->next();
    for (; e.kind == ws_event::message; e = c->next()) {
      auto j = json::parse(e.payload, nullptr, false);
      if (type_of(j) == "error") {
        EXPECT_FALSE(answered) << what << ": a second error";
        EXPECT_EQ(j.value("code", ""), "bad_json") << what;
        answered = true;
      } else {
        EXPECT_EQ(type_of(j), "pong") << what << ": " << e.describe();
        ++(answered ? pongs_after : pongs_before);
      }
    }
    EXPECT_TRUE(answered) << what << ": the close came before the answer to \"not JSON\"";
    EXPECT_EQ(e.kind, ws_event::close) << what << ": got " << e.describe();
    EXPECT_EQ(e.close_code.value_or(0), 1002) << what;
    EXPECT_TRUE(c->ends_cleanly()) << what;
    if (HasFailure()) break;
  }
  std::printf("[ conform  ] a failed connection's answer: %d pongs written before it, %d after, in 60 rounds\n", pongs_before,
              pongs_after);
  expect_still_serving("60 failed connections");
}

// Group 6: text must be valid UTF-8 (1007 otherwise), checked across fragment boundaries and as
// soon as the offending byte arrives; valid multi-byte text is accepted however it is split.
TEST_F(ServerWsConformance, Group6Utf8Valid) {
  auto c = joined();
  // 6.1.1: an empty text message is valid UTF-8 (and not JSON).
  c->send_frame(op::text, "");
  expect_error(*c, "bad_json", "6.1.1");
  // 6.2.1–6.2.4: valid text in one frame, split at code points, in 1-octet fragments.
  const std::string hello = unhex("48656c6c6f2dc2b540c39fc3b6c3a4c3bcc3a0c3a12d5554462d382121");  // Hello-µ@ßöäüàá-UTF-8!!
  const std::string kosme = unhex("cebae1bdb9cf83cebcceb5");                                        // κόσμε
  for (const auto& text : {hello, kosme + kosme + kosme}) {
    const std::string msg = ping_with(text);
    c->send_text(msg);
    expect_pong(*c, "6.2.1");
    const std::size_t split = 20 + (text == hello ? 6 : 2);  // after "Hello-", after "κ"
    c->send(encode_frame(op::text, msg.substr(0, split), {.fin = false}) + encode_frame(op::cont, msg.substr(split)));
    expect_pong(*c, "6.2.2");
    c->send(fragmented(msg, 1));
    expect_pong(*c, "6.2.3/6.2.4 1-octet fragments");
    c->send(fragmented(msg, 1), 1);
    expect_pong(*c, "6.2.3/6.2.4 1-octet fragments, octet-wise");
  }
  // 6.5–6.21: valid sequences from Markus Kuhn's UTF-8 decoder test, inside a JSON string.
  std::vector<std::string> valid{"68656c6c6f24776f726c64", "68656c6c6fc2a2776f726c64", "68656c6c6fe282ac776f726c64",
                                 "68656c6c6ff0a4ada2776f726c64", "cebae1bdb9cf83cebcceb5", "c280", "e0a080", "f0908080",
                                 "7f", "dfbf", "efbfbf", "f48fbfbf", "ed9fbf", "ee8080", "efbfbd", "efbfbe",
                                 "efbfb9", "efbfba", "efbfbb", "efbfbc"};
  for (const char* z1 : {"f0", "f1", "f2", "f3", "f4"})  // non-characters: valid UTF-8
    for (const char* z2 : {"8f", "9f", "af", "bf"})
      for (const char* z3 : {"be", "bf"}) {
        std::string zz = std::string(z1) + z2 + "bf" + z3;
        if ((std::string(z1) == "f4" && std::string(z2) != "8f") || zz.rfind("f08f", 0) == 0) continue;
        valid.push_back(zz);
      }
  for (const auto& hex : valid) {
    c->send_text(ping_with(unhex(hex)));
    expect_pong(*c, "valid sequence " + hex);
  }
  // A NUL is valid UTF-8 but not allowed raw in a JSON string: an error answer, not a close.
  c->send_text(ping_with(std::string(1, '\0')));
  expect_error(*c, "bad_json", "U+0000");
  // 6.6: every prefix of κόσμε that ends on a code point is valid (answered: it is not JSON).
  const std::vector<std::size_t> boundaries{2, 5, 7, 9, 11};
  for (std::size_t n : boundaries) {
    c->send_text(kosme.substr(0, n));
    expect_error(*c, "bad_json", "6.6 prefix of " + std::to_string(n));
  }
  // Every code point from U+0020 to U+10FFFF but the surrogates, in messages under the limit.
  std::size_t messages = 0;
  std::string body;
  auto flush = [&] {
    c->send_text(ping_with(body));
    expect_pong(*c, "all code points, message " + std::to_string(++messages));
    body.clear();
  };
  for (char32_t cp = 0x20; cp <= 0x10ffff; ++cp) {
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp == '"' || cp == '\\') continue;
    body += utf8_of(cp);
    if (body.size() > mib - 64) flush();
  }
  flush();
  EXPECT_GE(messages, 4u);
}

TEST_F(ServerWsConformance, Group6Utf8Invalid) {
  const std::string kosme = unhex("cebae1bdb9cf83cebcceb5");
  // 6.3.1, 6.3.2: κόσμε, a surrogate (U+D800), "edited": in one frame, and in 1-octet fragments.
  {
    auto c = joined();
    c->send_text(ping_with(kosme + unhex("eda080") + "edited"));
    expect_failed(*c, 1007, "6.3.1");
    c = joined();
    c->send(fragmented(ping_with(kosme + unhex("eda080") + "edited"), 1));
    expect_failed(*c, 1007, "6.3.2 1-octet fragments");
  }
  // 6.4.1–6.4.4: fail fast. The first part is valid and goes unanswered; the connection fails on
  // the part that makes the text invalid, while the message is still unfinished.
  struct fast_case {
    const char* name;
    std::string part1, part2, part3;
    bool frames;  // separate fragments, or chops of one frame
  };
  const std::string head = R"({"type":"ping","x":")";
  for (const auto& k : {fast_case{"6.4.1", head + kosme, unhex("f4908080"), "edited\"}", true},
                        fast_case{"6.4.2", head + kosme + unhex("f4"), unhex("90"), unhex("8080") + "edited\"}", true},
                        fast_case{"6.4.3", head + kosme, unhex("f4908080"), "edited\"}", false},
                        fast_case{"6.4.4", head + kosme + unhex("f4"), unhex("90"), unhex("8080") + "edited\"}", false}}) {
    SCOPED_TRACE(k.name);
    auto c = joined();
    if (k.frames) {
      c->send_frame(op::text, k.part1, {.fin = false});
    } else {
      // One frame whose payload arrives in three chops.
      std::string frame = encode_frame(op::text, k.part1 + k.part2 + k.part3);
      std::size_t header = frame.size() - (k.part1.size() + k.part2.size() + k.part3.size());
      c->send(std::string_view(frame).substr(0, header + k.part1.size()));
      auto quiet = c->next(milliseconds(300));
      EXPECT_TRUE(quiet.kind == ws_event::ended && quiet.timed_out) << quiet.describe();
      c->send(std::string_view(frame).substr(header + k.part1.size(), k.part2.size()));
      expect_failed(*c, 1007, std::string(k.name) + " (the third chop was never sent)");
      continue;
    }
    auto quiet = c->next(milliseconds(300));
    EXPECT_TRUE(quiet.kind == ws_event::ended && quiet.timed_out) << quiet.describe();
    c->send_frame(op::cont, k.part2, {.fin = false});
    expect_failed(*c, 1007, std::string(k.name) + " (the third fragment was never sent)");
  }
  // 6.6: prefixes of κόσμε ending inside a code point: the message ends in an incomplete sequence.
  for (std::size_t n : {1, 3, 4, 6, 8, 10}) {
    auto c = joined();
    c->send_text(kosme.substr(0, n));
    expect_failed(*c, 1007, "6.6 prefix of " + std::to_string(n) + " bytes");
  }
  {
    // The same, fragmented: the last fragment leaves a code point unfinished.
    auto c = joined();
    c->send(encode_frame(op::text, R"({"type":"ping"} )", {.fin = false}) + encode_frame(op::cont, unhex("e282")));
    expect_failed(*c, 1007, "a message ending inside a code point, fragmented");
    // A code point split across fragments, then broken in the next one.
    c = joined();
    c->send(encode_frame(op::text, head + unhex("f0a4"), {.fin = false}) + encode_frame(op::cont, unhex("ad") + "\"}"));
    expect_failed(*c, 1007, "a 4-byte sequence broken in its second fragment");
  }
  // 6.7–6.21: invalid sequences from Markus Kuhn's UTF-8 decoder test, inside a JSON string.
  std::vector<std::pair<std::string, std::string>> invalid{
      {"5- and 6-byte forms", "f888808080"},       {"6-byte form", "fc8480808080"},
      {"above U+10FFFF (f7)", "f7bfbfbf"},         {"5-byte form", "fbbfbfbfbf"},
      {"6-byte form (fd)", "fdbfbfbfbfbf"},        {"U+110000", "f4908080"},
      {"lone continuation 80", "80"},              {"lone continuation bf", "bf"},
      {"continuations", "80bf"},                   {"continuations x3", "80bf80"},
      {"continuations x4", "80bf80bf"},            {"continuations x5", "80bf80bf80"},
      {"continuations x6", "80bf80bf80bf"},        {"last byte missing c0", "c0"},
      {"last byte missing e080", "e080"},          {"last byte missing f08080", "f08080"},
      {"last byte missing f8", "f8808080"},        {"last byte missing fc", "fc80808080"},
      {"last byte missing df", "df"},              {"last byte missing efbf", "efbf"},
      {"last byte missing f7bfbf", "f7bfbf"},      {"last byte missing fb", "fbbfbfbf"},
      {"last byte missing fd", "fdbfbfbfbf"},      {"impossible fe", "fe"},
      {"impossible ff", "ff"},                     {"impossible fefeffff", "fefeffff"},
      {"overlong / c0af", "c0af"},                 {"overlong / e080af", "e080af"},
      {"overlong / f08080af", "f08080af"},         {"overlong / 5 bytes", "f8808080af"},
      {"overlong / 6 bytes", "fc80808080af"},      {"max overlong c1bf", "c1bf"},
      {"max overlong e09fbf", "e09fbf"},           {"max overlong f08fbfbf", "f08fbfbf"},
      {"max overlong 5 bytes", "f887bfbfbf"},      {"max overlong 6 bytes", "fc83bfbfbfbf"},
      {"overlong NUL c080", "c080"},               {"overlong NUL e08080", "e08080"},
      {"overlong NUL f0808080", "f0808080"},       {"overlong NUL 5 bytes", "f880808080"},
      {"overlong NUL 6 bytes", "fc8080808080"},    {"surrogate U+D800", "eda080"},
      {"surrogate U+DB7F", "edadbf"},              {"surrogate U+DB80", "edae80"},
      {"surrogate U+DBFF", "edafbf"},              {"surrogate U+DC00", "edb080"},
      {"surrogate U+DF80", "edbe80"},              {"surrogate U+DFFF", "edbfbf"},
      {"pair D800 DC00", "eda080edb080"},          {"pair D800 DFFF", "eda080edbfbf"},
      {"pair DB7F DC00", "edadbfedb080"},          {"pair DB7F DFFF", "edadbfedbfbf"},
      {"pair DB80 DC00", "edae80edb080"},          {"pair DB80 DFFF", "edae80edbfbf"},
      {"pair DBFF DC00", "edafbfedb080"},          {"pair DBFF DFFF", "edafbfedbfbf"},
      {"above U+10FFFF f5", "f5808080"},           {"above U+10FFFF (f4bf)", "f4bfbfbf"}};
  std::string continuations, lonely2, lonely3, lonely4, incomplete;
  for (int b = 0x80; b < 0xbf; ++b) continuations.push_back(static_cast<char>(b));
  for (int b = 0xc0; b < 0xdf; ++b) lonely2 += std::string(1, static_cast<char>(b)) + " ";
  for (int b = 0xe0; b < 0xef; ++b) lonely3 += std::string(1, static_cast<char>(b)) + " ";
  for (int b = 0xf0; b < 0xf7; ++b) lonely4 += std::string(1, static_cast<char>(b)) + " ";
  for (const char* k : {"c0", "e080", "f08080", "f8808080", "fc80808080", "df", "efbf", "f7bfbf", "fbbfbfbf", "fdbfbfbfbf"})
    incomplete += unhex(k);
  std::vector<std::pair<std::string, std::string>> raw{{"all continuation bytes", continuations},
                                                       {"lonely 2-byte starts", lonely2},
                                                       {"lonely 3-byte starts", lonely3},
                                                       {"lonely 4-byte starts", lonely4},
                                                       {"lonely 5/6-byte starts", unhex("f820f920fa20fc20")},
                                                       {"concatenated incomplete sequences", incomplete}};
  for (auto& [name, hex] : invalid) raw.emplace_back(name + " (" + hex + ")", unhex(hex));
  for (const auto& [name, bytes] : raw) {
    SCOPED_TRACE(name);
    auto c = open();
    c->send_text(ping_with(bytes));
    expect_failed(*c, 1007, name);
  }
}

// Group 7: the closing handshake.
TEST_F(ServerWsConformance, Group7ClosingHandshake) {
  {
    // 7.1.1: a message, then close: the answer, then the close echoed. (The answer is one the
    // session writes itself; see the notes on replies that go through the unit below.)
    auto c = joined();
    c->send(encode_frame(op::text, "Hello, world!") + encode_frame(op::close, close_payload(1000)));
    expect_error(*c, "bad_json", "7.1.1");
    expect_close_answered(*c, {1000}, "7.1.1");
  }
  {
    // 7.1.1 with a Coplan ping: the close is answered at once, so a pong still on its way through
    // the unit may be dropped; a clean close either way.
    auto c = joined();
    c->send(encode_frame(op::text, R"({"type":"ping"})") + encode_frame(op::close, close_payload(1000)));
    auto e = c->next();
    const bool answered = e.kind == ws_event::message;
    if (answered) {
      EXPECT_EQ(type_of(json::parse(e.payload, nullptr, false)), "pong") << e.describe();
      e = c->next();
    }
    std::printf("[ conform  ] 7.1.1 with a Coplan ping: the pong %s the close\n", answered ? "came before" : "was dropped for");
    EXPECT_EQ(e.kind, ws_event::close) << e.describe();
    EXPECT_EQ(e.close_code.value_or(0), 1000);
    EXPECT_TRUE(c->ends_cleanly());
  }
  {
    // 7.1.2–7.1.4: a second close, a ping, a text message after the close are all ignored.
    auto c = joined();
    c->send(encode_frame(op::close, close_payload(1000)) + encode_frame(op::close, close_payload(1000)) +
            encode_frame(op::ping, "after close") + encode_frame(op::text, R"({"type":"ping"})"));
    expect_close_answered(*c, {1000}, "7.1.2–7.1.4 frames after close");
  }
  {
    // 7.1.5: a close between the fragments of a message.
    auto c = joined();
    c->send(encode_frame(op::text, R"({"type":)", {.fin = false}) + encode_frame(op::close, close_payload(1000)) +
            encode_frame(op::cont, R"("ping"})"));
    expect_close_answered(*c, {1000}, "7.1.5");
  }
  {
    // 7.1.6: a 256 KiB message, close, ping, back to back: a clean close, no pong frame.
    auto c = joined();
    c->send(encode_frame(op::text, ping_of_size(256 << 10)) + encode_frame(op::close, close_payload(1000)) +
            encode_frame(op::ping, "after close"));
    auto e = c->next();
    if (e.kind == ws_event::message) e = c->next();
    EXPECT_EQ(e.kind, ws_event::close) << "7.1.6: " << e.describe();
    EXPECT_EQ(e.close_code.value_or(0), 1000);
    EXPECT_TRUE(c->ends_cleanly());
  }
  {
    // 7.3.1: an empty close frame is answered with a close (1000, or no code).
    auto c = joined();
    c->send_frame(op::close, "");
    expect_close_answered(*c, {1000, 0}, "7.3.1 empty close");
  }
  for (const auto& [name, reason] : {std::pair<std::string, std::string>{"7.3.3 code only", ""},
                                     {"7.3.4 code and reason", "Hello World!"},
                                     {"7.3.5 reason of 123 bytes", std::string(123, '*')},
                                     {"close reason in UTF-8", unhex("cebae1bdb9cf83cebcceb5") + unhex("f0a4ada2")}}) {
    auto c = joined();
    c->send_close(1000, reason);
    expect_close_answered(*c, {1000}, name);
  }
  {
    // Closing before hello.
    auto c = open();
    c->send_close(1001, "going away");
    expect_close_answered(*c, {1001, 1000}, "close before hello");
  }
  {
    // 7.3.2: a close payload of 1 byte.
    auto c = joined();
    c->send_frame(op::close, "a");
    expect_failed(*c, 1002, "7.3.2 1-byte close payload");
  }
  {
    // 7.3.6: a close reason of 124 bytes makes a 126-byte control frame.
    auto c = joined();
    c->send_frame(op::close, close_payload(1000, std::string(124, '*')));
    expect_failed(*c, 1002, "7.3.6 close payload of 126 bytes");
  }
  {
    // 7.5.1: a close reason that is not UTF-8. Autobahn accepts 1002 or 1007; Beast says 1002.
    auto c = joined();
    c->send_close(1000, unhex("cebae1bdb9cf83cebcceb5eda080656469746564"));
    expect_failed_with(*c, {1002, 1007}, "7.5.1 close reason not UTF-8");
  }
}

TEST_F(ServerWsConformance, Group7CloseCodes) {
  // 7.7.x: valid codes are echoed (or answered with 1000).
  for (std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
    auto c = joined();
    c->send_close(code);
    expect_close_answered(*c, {code, 1000}, "7.7 valid close code " + std::to_string(code));
  }
  // 7.9.x: codes that may not be sent fail the connection.
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999}) {
    auto c = joined();
    c->send_close(code);
    expect_failed(*c, 1002, "7.9 invalid close code " + std::to_string(code));
  }
  // 7.13.x: codes outside any range: the spec leaves the outcome open; Autobahn accepts these.
  for (std::uint16_t code : {5000, 65535}) {
    auto c = joined();
    c->send_close(code);
    auto e = c->next();
    EXPECT_EQ(e.kind, ws_event::close) << e.describe();
    auto got = e.close_code.value_or(0);
    EXPECT_TRUE(got == 1000 || got == code || got == 1002) << "7.13 close code " << code << " answered with " << got;
    EXPECT_TRUE(c->ends_cleanly());
  }
}

// A client must mask every frame (RFC 6455 5.1): an unmasked one fails the connection.
TEST_F(ServerWsConformance, UnmaskedClientFramesFail) {
  for (std::uint8_t opcode : {op::text, op::binary, op::ping, op::close, op::cont}) {
    const std::string what = "unmasked frame, opcode " + std::to_string(opcode);
    auto c = joined();
    const std::string payload = opcode == op::text ? R"({"type":"ping"})" : opcode == op::close ? close_payload(1000) : "x";
    if (opcode == op::cont) {
      // Masked start, unmasked continuation.
      c->send(encode_frame(op::text, R"({"type":)", {.fin = false}) + encode_frame(op::cont, R"("ping"})", {.masked = false}));
    } else {
      c->send_frame(opcode, payload, {.masked = false});
    }
    expect_failed(*c, 1002, what);
  }
}

// Group 9 (sizes): messages up to the 1 MiB limit are answered; one byte more is refused with 1009.
TEST_F(ServerWsConformance, Group9MessageSizeLimit) {
  auto c = joined();
  for (std::size_t size : {std::size_t{64} << 10, std::size_t{256} << 10, mib - 1, mib}) {
    auto t0 = std::chrono::steady_clock::now();
    c->send_text(ping_of_size(size));
    expect_pong(*c, "9.1 text of " + std::to_string(size));
    c->send_frame(op::binary, std::string(size, '\xfe'));
    expect_error(*c, "bad_message", "9.2 binary of " + std::to_string(size));
    std::printf("[ conform  ] %zu-byte text and binary answered in %.3f s\n", size, seconds_since(t0));
  }
  c->send_text(ping_of_size(mib + 1));
  expect_failed(*c, 1009, "text of 1 MiB + 1");
  c = joined();
  c->send_frame(op::binary, std::string(mib + 1, '\xfe'));
  expect_failed(*c, 1009, "binary of 1 MiB + 1");
  // Refused on the header alone: the announced length is over the limit, no payload needed.
  c = joined();
  c->send(encode_frame(op::text, std::string(mib + 1, 'x')).substr(0, 14));
  expect_failed(*c, 1009, "a header announcing 1 MiB + 1");
  // Fragments adding up to one byte over the limit.
  c = joined();
  const std::string big = ping_of_size(mib);
  c->send(encode_frame(op::text, big.substr(0, mib / 2), {.fin = false}) +
          encode_frame(op::cont, big.substr(mib / 2, mib - mib / 2 - 2), {.fin = false}) +
          encode_frame(op::cont, "xxx", {.fin = false}));
  expect_failed(*c, 1009, "fragments adding up to 1 MiB + 1");
  // 9.9.1: an endless message of 4 KiB fragments is cut off once it passes the limit.
  c = joined();
  std::string endless = encode_frame(op::text, ping_of_size(4096).substr(0, 4096), {.fin = false});
  for (int i = 1; i < 300; ++i) endless += encode_frame(op::cont, std::string(4096, 'x'), {.fin = false});
  c->send(endless);
  expect_failed(*c, 1009, "9.9.1 an endless fragmented message");
  // Many fragments: 1 MiB exactly in 64-byte fragments is answered.
  c = joined();
  auto t0 = std::chrono::steady_clock::now();
  c->send(fragmented(big, 64));
  expect_pong(*c, "1 MiB in 64-byte fragments");
  std::printf("[ conform  ] 1 MiB in 16384 fragments answered in %.3f s\n", seconds_since(t0));
}

// Group 9 (fragments and chops): 9.3/9.4 one 1 MiB message in fragments of 64 B … 1 MiB, 9.5/9.6
// one 1 MiB frame written in chops of 64 B … 2 KiB.
TEST_F(ServerWsConformance, Group9FragmentsAndChops) {
  auto c = joined();
  const std::string big = ping_of_size(mib);
  for (std::size_t piece : {64, 256, 1024, 4096, 16384, 65536, 262144, 1048576}) {
    auto t0 = std::chrono::steady_clock::now();
    c->send(fragmented(big, piece));
    expect_pong(*c, "9.3 text in fragments of " + std::to_string(piece));
    c->send(fragmented(std::string(mib, '\xfe'), piece, op::binary));
    expect_error(*c, "bad_message", "9.4 binary in fragments of " + std::to_string(piece));
    std::printf("[ conform  ] 1 MiB text + binary in %zu-byte fragments: %.3f s\n", piece, seconds_since(t0));
  }
  const std::string frame = encode_frame(op::text, big);
  for (std::size_t chop : {64, 128, 256, 512, 1024, 2048}) {
    auto t0 = std::chrono::steady_clock::now();
    c->send(frame, chop);
    expect_pong(*c, "9.5 1 MiB frame in chops of " + std::to_string(chop));
    std::printf("[ conform  ] 1 MiB frame in %zu-byte chops: %.3f s\n", chop, seconds_since(t0));
  }
  c->send(encode_frame(op::binary, std::string(mib, '\xfe')), 512);
  expect_error(*c, "bad_message", "9.6 binary frame in chops of 512");
}

// Group 9 (bursts): 9.7/9.8 a thousand messages written back to back are all answered, in order.
// A thousand is the named per-connection burst (docs/operations.md: more are refused with
// rate_limited), so each burst gets a server of its own and with it a fresh per-account budget.
TEST_F(ServerWsConformance, Group9BurstsAnsweredInOrder) {
  for (std::size_t size : {0, 256, 1024, 4096, 16384}) {
    test_server ts;
    raw_ws c(ts.port(), ts.ws_path(), sign_in(ts.port(), "lib"));
    ASSERT_TRUE(c.upgraded());
    ASSERT_TRUE(c.hello("burst"));
    std::string burst;
    for (int i = 0; i < 1000; ++i)
      burst += encode_frame(op::text, i % 2 ? ping_of_size(std::max<std::size_t>(size, 24)) : numbered_push(1000 + i, size));
    auto t0 = std::chrono::steady_clock::now();
    c.send(burst);
    int in_order = 0;
    for (int i = 0; i < 1000; ++i) {
      auto j = c.next_json();
      const bool right = i % 2 ? type_of(j) == "pong"
                               : type_of(j) == "error" && j.value("code", "") == "bad_version" && j["ref"]["version"] == 1000 + i;
      if (!right) {
        ADD_FAILURE() << "answer " << i << " of the burst of " << size << "-byte messages: " << c.last().describe();
        break;
      }
      ++in_order;
    }
    EXPECT_EQ(in_order, 1000);
    std::printf("[ conform  ] 1000 messages of %zu bytes answered in order in %.3f s\n", size, seconds_since(t0));
    if (size == 256) {
      // 9.8: a burst of binary messages, each answered.
      std::string binary;
      for (int i = 0; i < 1000; ++i) binary += encode_frame(op::binary, std::string(size, '\x01'));
      c.send(binary);
      for (int i = 0; i < 1000; ++i) {
        auto j = c.next_json();
        if (type_of(j) != "error" || j.value("code", "") != "bad_message") {
          ADD_FAILURE() << "binary burst answer " << i << ": " << c.last().describe();
          break;
        }
      }
    }
    c.send_text(R"({"type":"ping"})");
    expect_pong(c, "after the burst");
  }
}

// Group 9 (a large valid message that changes something): a push of 1,000,000 characters (just
// under 1 MiB of JSON) is applied and broadcast, and a fresh client's welcome carries it whole.
TEST_F(ServerWsConformance, Group9LargeValidPush) {
  auto c = joined();
  const std::string text(1'000'000, 'a');
  json push{{"type", "push"}, {"stream", "unit.goals"}, {"version", 0},
            {"updates", json::array({{{"clientID", "big"}, {"seq", 1}, {"changes", json::array({json::array({0, text})})}}})}};
  const std::string msg = push.dump();
  ASSERT_LE(msg.size(), mib);
  c->send(fragmented(msg, 100000));
  bool pushed = false, updates = false;
  for (int i = 0; i < 2; ++i) {
    auto j = c->next_json(std::chrono::seconds(30));
    if (type_of(j) == "pushed") pushed = j["ok"].get<bool>() && j["version"] == 1;
    else if (type_of(j) == "updates") updates = j["updates"][0]["changes"][0][1] == text;
    else ADD_FAILURE() << "unexpected: " << c->last().describe();
  }
  EXPECT_TRUE(pushed);
  EXPECT_TRUE(updates);
  auto f = open();
  f->send_text(R"({"type":"hello","clientID":"fresh","streams":{}})");
  auto w = f->next_json(std::chrono::seconds(30));
  ASSERT_EQ(type_of(w), "welcome") << f->last().describe();
  EXPECT_EQ(w["streams"]["unit.goals"]["text"], text);
  EXPECT_EQ(w["streams"]["unit.goals"]["version"], 1);
}
