// raw_ws: a bare WebSocket client over a blocking TCP socket, for the conformance tests. It does the
// HTTP upgrade itself, writes hand-built frames (any opcode, RSV bits, mask and length encoding) in
// one write or in small chops, and reads the server's frames back exactly as they come off the wire,
// checking that the server itself keeps to RFC 6455.
#pragma once
#include <openssl/sha.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

namespace coplan::test_support {

namespace ws_opcode {
constexpr std::uint8_t cont = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA;
}

// How one hand-built frame looks on the wire.
struct frame_spec {
  bool fin = true;
  std::uint8_t rsv = 0;   // the reserved bits as a number, as Autobahn counts them: 4 = RSV1, 2 = RSV2, 1 = RSV3
  bool masked = true;     // a client must mask every frame
  int length_bytes = 0;   // 0: the shortest length encoding; else 1 (7-bit), 2 (16-bit) or 8 (64-bit)
};

inline std::string encode_frame(std::uint8_t opcode, std::string_view payload, frame_spec spec = {}) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::string out;
  out.reserve(payload.size() + 14);
  out.push_back(static_cast<char>((spec.fin ? 0x80 : 0) | ((spec.rsv & 7) << 4) | (opcode & 0x0f)));
  const std::uint64_t n = payload.size();
  const int length_bytes = spec.length_bytes ? spec.length_bytes : n < 126 ? 1 : n < 65536 ? 2 : 8;
  const unsigned mask_bit = spec.masked ? 0x80 : 0;
  if (length_bytes == 1) {
    out.push_back(static_cast<char>(mask_bit | n));
  } else if (length_bytes == 2) {
    out.push_back(static_cast<char>(mask_bit | 126));
    for (int i = 1; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  }
  if (!spec.masked) return out.append(payload);
  std::array<char, 4> key{};
  auto k = rng();
  for (int i = 0; i < 4; ++i) key[i] = static_cast<char>((k >> (8 * i)) & 0xff);
  out.append(key.data(), 4);
  for (std::size_t i = 0; i < payload.size(); ++i) out.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  return out;
}

// A close frame's payload: the code in network order, then the reason.
inline std::string close_payload(std::uint16_t code, std::string_view reason = {}) {
  std::string p{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
  return p.append(reason);
}

inline std::string base64(std::string_view bytes) {
  static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t v = static_cast<std::uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<std::uint8_t>(bytes[i + 2]);
    out.push_back(digits[(v >> 18) & 63]);
    out.push_back(digits[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? digits[(v >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? digits[v & 63] : '=');
  }
  return out;
}

// What the server sent next: a whole data message (its frames put together), a control frame, or
// the end of the stream (or of the wait).
struct ws_event {
  enum kind_t { message, ping, pong, close, ended } kind = ended;
  std::uint8_t opcode = 0;                  // message: text or binary
  std::string payload;                      // message or ping/pong payload; close: the reason
  std::optional<std::uint16_t> close_code;  // close: nothing when the frame had no payload
  bool timed_out = false;                   // ended: the wait ran out (else the server ended the stream)
  std::string describe() const {
    switch (kind) {
      case message: return (opcode == ws_opcode::text ? "text " : "binary ") + payload.substr(0, 200);
      case ping: return "ping";
      case pong: return "pong";
      case close: return "close " + (close_code ? std::to_string(*close_code) : std::string("(no code)"));
      case ended: return timed_out ? "nothing (timed out)" : "end of stream";
    }
    return "?";
  }
};

class raw_ws {
public:
  using clock = std::chrono::steady_clock;
  using ms = std::chrono::milliseconds;

  // Connects to 127.0.0.1:port and asks to upgrade `target` with the session cookie and this
  // server's own Origin; upgraded() tells whether the answer was a correct 101.
  raw_ws(unsigned short port, const std::string& target, const std::string& cookie, const std::string& extensions = "")
      : socket_(ioc_) {
    namespace ip = boost::asio::ip;
    socket_.connect(ip::tcp::endpoint(ip::make_address("127.0.0.1"), port));
    socket_.set_option(ip::tcp::no_delay(true));
    std::random_device rd;
    std::string nonce;
    for (int i = 0; i < 16; ++i) nonce.push_back(static_cast<char>(rd() & 0xff));
    const std::string key = base64(nonce);
    const std::string host = "127.0.0.1:" + std::to_string(port);
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: " + host +
                      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
                      "\r\nSec-WebSocket-Version: 13\r\nOrigin: http://" + host + "\r\nCookie: " + cookie + "\r\n";
    if (!extensions.empty()) req += "Sec-WebSocket-Extensions: " + extensions + "\r\n";
    req += "\r\n";
    boost::asio::write(socket_, boost::asio::buffer(req));
    auto deadline = clock::now() + std::chrono::seconds(10);
    std::size_t end;
    while ((end = in_.find("\r\n\r\n")) == std::string::npos)
      if (!fill(deadline)) return;
    head_ = in_.substr(0, end + 4);
    pos_ = end + 4;
    if (head_.size() > 12 && head_.compare(0, 9, "HTTP/1.1 ") == 0) status_ = std::stoi(head_.substr(9, 3));
    unsigned char digest[SHA_DIGEST_LENGTH];
    const std::string accept_of = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    SHA1(reinterpret_cast<const unsigned char*>(accept_of.data()), accept_of.size(), digest);
    const std::string accept = base64(std::string_view(reinterpret_cast<const char*>(digest), SHA_DIGEST_LENGTH));
    upgraded_ = status_ == 101 && lower(header("Upgrade")) == "websocket" &&
                lower(header("Connection")).find("upgrade") != std::string::npos && header("Sec-WebSocket-Accept") == accept;
  }
  raw_ws(const raw_ws&) = delete;
  raw_ws& operator=(const raw_ws&) = delete;

  bool upgraded() const { return upgraded_; }
  int status() const { return status_; }
  // A header of the upgrade answer (case-insensitive name), or "" when absent.
  std::string header(const std::string& name) const {
    const std::string h = lower(head_), n = "\r\n" + lower(name) + ":";
    auto at = h.find(n);
    if (at == std::string::npos) return "";
    at += n.size();
    auto stop = head_.find("\r\n", at);
    std::string v = head_.substr(at, stop - at);
    v.erase(0, v.find_first_not_of(' '));
    v.erase(v.find_last_not_of(' ') + 1);
    return v;
  }

  // Writes bytes in one write, or in writes of `chop` bytes each (Nagle is off, so each is its own
  // segment when the server keeps up). False once the server has closed its side for good.
  bool send(std::string_view bytes, std::size_t chop = 0) {
    if (chop == 0) chop = bytes.size();
    for (std::size_t at = 0; at < bytes.size(); at += chop) {
      boost::system::error_code ec;
      boost::asio::write(socket_, boost::asio::buffer(bytes.substr(at, chop)), ec);
      if (ec) return write_ok_ = false;
    }
    return write_ok_;
  }
  bool send_frame(std::uint8_t opcode, std::string_view payload, frame_spec spec = {}, std::size_t chop = 0) {
    return send(encode_frame(opcode, payload, spec), chop);
  }
  bool send_text(std::string_view text, std::size_t chop = 0) { return send_frame(ws_opcode::text, text, {}, chop); }
  bool send_close(std::uint16_t code, std::string_view reason = {}) {
    return send_frame(ws_opcode::close, close_payload(code, reason));
  }

  // The next thing the server sends. Unless `skip_broadcasts` is false, text messages of the
  // "online", "presence" and "members" kinds (news about other clients) are skipped, and the
  // server's own keep-alive pings are answered and skipped. Throws when the server breaks the
  // protocol itself (masked frames, reserved bits, bad lengths, broken fragmentation).
  ws_event next(ms timeout = std::chrono::seconds(10), bool skip_broadcasts = true) {
    const auto deadline = clock::now() + timeout;
    for (;;) {
      ws_event e = next_event(deadline);
      if (skip_broadcasts && e.kind == ws_event::message && e.opcode == ws_opcode::text && is_broadcast(e.payload))
        continue;
      if (skip_broadcasts && e.kind == ws_event::ping) {
        send_frame(ws_opcode::pong, e.payload);
        continue;
      }
      return e;
    }
  }

  // The next event, which must be a text message holding JSON; null JSON otherwise.
  nlohmann::json next_json(ms timeout = std::chrono::seconds(10)) {
    auto e = next(timeout);
    last_ = e;
    if (e.kind != ws_event::message || e.opcode != ws_opcode::text) return nullptr;
    return nlohmann::json::parse(e.payload, nullptr, false);
  }
  // What next_json() last saw, for messages.
  const ws_event& last() const { return last_; }

  // Sends hello and waits for welcome.
  bool hello(const std::string& client_id) {
    send_text(nlohmann::json{{"type", "hello"}, {"clientID", client_id}, {"streams", nlohmann::json::object()}}.dump());
    auto w = next_json();
    return w.is_object() && w.value("type", "") == "welcome";
  }

  // After the server's close frame: reads until the server ends the TCP stream. True when it does
  // within the timeout and sent nothing more after its close frame.
  bool ends_cleanly(ms timeout = std::chrono::seconds(10)) {
    const auto deadline = clock::now() + timeout;
    const bool nothing_more = pos_ == in_.size();
    while (!eof_)
      if (!fill(deadline) && !eof_) return false;
    return nothing_more && pos_ == in_.size();
  }
  bool eof() const { return eof_; }

private:
  static std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  }
  static bool is_broadcast(const std::string& text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return false;
    auto t = j.value("type", "");
    return t == "online" || t == "presence" || t == "members";
  }
  [[noreturn]] static void violation(const std::string& what) {
    throw std::runtime_error("the server broke RFC 6455: " + what);
  }

  // Reads what has arrived into in_; false on timeout or at the end of the stream.
  bool fill(clock::time_point deadline) {
    if (eof_) return false;
    for (;;) {
      auto left = std::chrono::ceil<ms>(deadline - clock::now()).count();
      pollfd p{socket_.native_handle(), POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(std::max<long long>(left, 0)));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      break;
    }
    if (pos_ > 0 && pos_ == in_.size()) {
      in_.clear();
      pos_ = 0;
    } else if (pos_ > (1u << 20)) {
      in_.erase(0, pos_);
      pos_ = 0;
    }
    char buf[64 * 1024];
    boost::system::error_code ec;
    auto n = socket_.read_some(boost::asio::buffer(buf), ec);
    if (ec) {
      eof_ = true;
      return false;
    }
    in_.append(buf, n);
    return true;
  }
  bool need(std::size_t n, clock::time_point deadline) {
    while (in_.size() - pos_ < n)
      if (!fill(deadline)) return false;
    return true;
  }
  std::uint8_t byte_at(std::size_t i) const { return static_cast<std::uint8_t>(in_[pos_ + i]); }

  ws_event ended() const {
    ws_event e;
    e.kind = ws_event::ended;
    e.timed_out = !eof_;
    return e;
  }

  ws_event next_event(clock::time_point deadline) {
    for (;;) {
      if (!need(2, deadline)) return ended();
      const bool fin = byte_at(0) & 0x80;
      const std::uint8_t rsv = (byte_at(0) >> 4) & 7, opcode = byte_at(0) & 0x0f;
      const bool masked = byte_at(1) & 0x80;
      std::uint64_t len = byte_at(1) & 0x7f;
      std::size_t header = 2;
      if (len == 126) {
        if (!need(4, deadline)) return ended();
        len = (std::uint64_t{byte_at(2)} << 8) | byte_at(3);
        header = 4;
        if (len < 126) violation("a 16-bit length under 126");
      } else if (len == 127) {
        if (!need(10, deadline)) return ended();
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | byte_at(2 + i);
        header = 10;
        if (len < 65536) violation("a 64-bit length under 65536");
      }
      if (masked) violation("a masked frame from the server");
      if (rsv) violation("reserved bits set without an extension");
      const bool control = opcode & 0x8;
      if (control && (!fin || len > 125)) violation("a fragmented or oversized control frame");
      if (opcode != ws_opcode::cont && opcode != ws_opcode::text && opcode != ws_opcode::binary &&
          opcode != ws_opcode::close && opcode != ws_opcode::ping && opcode != ws_opcode::pong)
        violation("reserved opcode " + std::to_string(opcode));
      if (closed_) violation("a frame after the server's close frame");
      if (!need(header + len, deadline)) return ended();
      std::string payload = in_.substr(pos_ + header, len);
      pos_ += header + len;

      ws_event e;
      if (opcode == ws_opcode::ping || opcode == ws_opcode::pong) {
        e.kind = opcode == ws_opcode::ping ? ws_event::ping : ws_event::pong;
        e.payload = std::move(payload);
        return e;
      }
      if (opcode == ws_opcode::close) {
        closed_ = true;
        e.kind = ws_event::close;
        if (payload.size() == 1) violation("a close frame with a 1-byte payload");
        if (payload.size() >= 2) {
          e.close_code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                                    static_cast<std::uint8_t>(payload[1]));
          e.payload = payload.substr(2);
        }
        return e;
      }
      if (opcode == ws_opcode::cont) {
        if (!partial_) violation("a continuation frame with no message to continue");
      } else {
        if (partial_) violation("a new data message inside a fragmented one");
        partial_ = opcode;
        partial_payload_.clear();
      }
      partial_payload_ += payload;
      if (!fin) continue;
      e.kind = ws_event::message;
      e.opcode = *partial_;
      e.payload = std::move(partial_payload_);
      partial_.reset();
      partial_payload_.clear();
      return e;
    }
  }

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  std::string in_;
  std::size_t pos_ = 0;
  std::string head_;
  int status_ = 0;
  bool upgraded_ = false;
  bool write_ok_ = true;
  bool eof_ = false;
  bool closed_ = false;
  std::optional<std::uint8_t> partial_;
  std::string partial_payload_;
  ws_event last_;
};

}  // namespace coplan::test_support
