// Encoding and decoding op digests (see op_digest.hpp).
#include "store/op_digest.hpp"

#include <stdexcept>

namespace coplan::store {

namespace {

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::uint64_t zigzag(std::int64_t v) { return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63); }
std::int64_t unzigzag(std::uint64_t v) { return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1); }

struct digest_reader {
  std::string_view in;
  std::size_t pos = 0;

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= in.size()) throw std::runtime_error("op digest: truncated");
      auto b = static_cast<unsigned char>(in[pos++]);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw std::runtime_error("op digest: varint too long");
  }
};

constexpr std::uint64_t kind_bit = 1, payload_bit = 2, flag_bits = 2;

}  // namespace

bool op_digest::keeps_payload(int kind, std::string_view payload) {
  return kind == 1 && payload.find("\"phase\"") != std::string_view::npos;
}

void op_digest::append(std::int64_t id, std::int64_t time, std::uint32_t author, int kind, std::string_view payload) {
  if (id <= (size_ ? last_id_ : 0)) throw std::logic_error("op digest: ids must be positive and increase");
  bool keep = keeps_payload(kind, payload);
  // The first op's id and time are stored whole (as deltas from 0).
  put_varint(bytes_, static_cast<std::uint64_t>(id - (size_ ? last_id_ : 0)));
  // Wrapping arithmetic: any two times round-trip.
  put_varint(bytes_, zigzag(static_cast<std::int64_t>(static_cast<std::uint64_t>(time) - static_cast<std::uint64_t>(last_time_))));
  put_varint(bytes_, (static_cast<std::uint64_t>(author) << flag_bits) | (kind ? kind_bit : 0) | (keep ? payload_bit : 0));
  if (keep) {
    put_varint(bytes_, payload.size());
    bytes_.append(payload);
  }
  if (size_ == 0) first_id_ = id;
  last_id_ = id;
  last_time_ = time;
  ++size_;
}

std::vector<op_digest::entry> op_digest::decode(std::string_view bytes, std::size_t count) {
  // Every op takes at least 3 bytes, so a count the bytes cannot hold is refused before reserving.
  if (count > bytes.size() / 3) throw std::runtime_error("op digest: fewer bytes than ops");
  std::vector<entry> out;
  out.reserve(count);
  digest_reader r{bytes};
  std::int64_t id = 0, time = 0;
  for (std::size_t i = 0; i < count; ++i) {
    auto delta = r.varint();
    if (delta == 0 || delta > static_cast<std::uint64_t>(INT64_MAX - id)) throw std::runtime_error("op digest: bad id");
    id += static_cast<std::int64_t>(delta);
    time = static_cast<std::int64_t>(static_cast<std::uint64_t>(time) + static_cast<std::uint64_t>(unzigzag(r.varint())));
    auto a = r.varint();
    if ((a >> flag_bits) > UINT32_MAX) throw std::runtime_error("op digest: bad author");
    entry e{id, time, static_cast<std::uint32_t>(a >> flag_bits), (a & kind_bit) ? 1 : 0, {}};
    if (a & payload_bit) {
      auto n = r.varint();
      if (n > bytes.size() - r.pos) throw std::runtime_error("op digest: truncated payload");
      e.payload.assign(bytes.substr(r.pos, n));
      r.pos += n;
    }
    out.push_back(std::move(e));
  }
  if (r.pos != bytes.size()) throw std::runtime_error("op digest: bytes after the last op");
  return out;
}

}  // namespace coplan::store
