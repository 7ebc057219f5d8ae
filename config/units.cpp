#include "config/units.hpp"

#include <array>
#include <cstdio>

namespace troupe {
namespace {

struct unit {
  std::string_view suffix;
  int64_t factor;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads "123" or "123.45" from the front of `text`: the integer part and the
// fraction as numerator / 10^digits. False when there is no number or it
// overflows.
bool read_number(std::string_view& text, int64_t* whole, int64_t* frac,
                 int64_t* frac_den) {
  size_t i = 0;
  *whole = 0;
  *frac = 0;
  *frac_den = 1;
  while (i < text.size() && is_digit(text[i])) {
    if (__builtin_mul_overflow(*whole, 10, whole)
        || __builtin_add_overflow(*whole, text[i] - '0', whole))
      return false;
    ++i;
  }
  if (i == 0)
    return false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    size_t start = i;
    while (i < text.size() && is_digit(text[i])) {
      if (*frac_den < 1000000000000LL) { // extra digits are dropped
        *frac = *frac * 10 + (text[i] - '0');
        *frac_den *= 10;
      }
      ++i;
    }
    if (i == start)
      return false;
  }
  text.remove_prefix(i);
  return true;
}

// The unit at the front of `text` (longest match), or nullptr.
const unit* read_unit(std::string_view& text, const unit* units, size_t n) {
  const unit* best = nullptr;
  for (size_t k = 0; k < n; ++k)
    if (text.substr(0, units[k].suffix.size()) == units[k].suffix
        && (!best || units[k].suffix.size() > best->suffix.size()))
      best = &units[k];
  if (best)
    text.remove_prefix(best->suffix.size());
  return best;
}

// whole.frac * factor, truncated; false on overflow.
bool scale(int64_t whole, int64_t frac, int64_t den, int64_t factor,
           int64_t* out) {
  int64_t a;
  if (__builtin_mul_overflow(whole, factor, &a))
    return false;
  __int128 b = static_cast<__int128>(frac) * factor / den;
  return !__builtin_add_overflow(a, static_cast<int64_t>(b), out);
}

constexpr std::array<unit, 4> duration_units{
    {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}}};

constexpr std::array<unit, 9> size_units{{{"B", 1},
                                          {"KiB", 1LL << 10},
                                          {"MiB", 1LL << 20},
                                          {"GiB", 1LL << 30},
                                          {"TiB", 1LL << 40},
                                          {"KB", 1000LL},
                                          {"MB", 1000000LL},
                                          {"GB", 1000000000LL},
                                          {"TB", 1000000000000LL}}};

// Renders value/den with up to `max_decimals` decimals, trailing zeros cut.
std::string decimal(int64_t value, int64_t den, int max_decimals) {
  int64_t pow = 1;
  for (int i = 0; i < max_decimals; ++i)
    pow *= 10;
  __int128 scaled = (static_cast<__int128>(value) * pow + den / 2) / den;
  int64_t whole = static_cast<int64_t>(scaled / pow);
  int64_t frac = static_cast<int64_t>(scaled % pow);
  std::string out = std::to_string(whole);
  if (frac == 0)
    return out;
  std::string digits = std::to_string(frac);
  digits.insert(0, static_cast<size_t>(max_decimals) - digits.size(), '0');
  while (!digits.empty() && digits.back() == '0')
    digits.pop_back();
  return out + '.' + digits;
}

} // namespace

std::optional<int64_t> parse_duration_ms(std::string_view text) {
  if (text == "0")
    return 0;
  if (text.empty())
    return std::nullopt;
  int64_t total = 0;
  while (!text.empty()) {
    int64_t whole, frac, den, part;
    if (!read_number(text, &whole, &frac, &den))
      return std::nullopt;
    const unit* u = read_unit(text, duration_units.data(), duration_units.size());
    if (!u || !scale(whole, frac, den, u->factor, &part)
        || __builtin_add_overflow(total, part, &total))
      return std::nullopt;
  }
  return total;
}

std::optional<int64_t> parse_size_bytes(std::string_view text) {
  int64_t whole, frac, den, bytes;
  if (!read_number(text, &whole, &frac, &den))
    return std::nullopt;
  if (text.empty())
    return den == 1 ? std::optional<int64_t>(whole) : std::nullopt;
  const unit* u = read_unit(text, size_units.data(), size_units.size());
  if (!u || !text.empty() || !scale(whole, frac, den, u->factor, &bytes))
    return std::nullopt;
  return bytes;
}

std::string format_duration_ms(int64_t ms) {
  if (ms < 0)
    return "-" + format_duration_ms(-ms);
  if (ms == 0)
    return "0s";
  std::string best = std::to_string(ms) + "ms";
  for (size_t k = 1; k < duration_units.size(); ++k) {
    int64_t f = duration_units[k].factor;
    // exact with at most 3 decimals, and at least one whole unit
    if (ms < f || (static_cast<__int128>(ms) * 1000) % f != 0)
      continue;
    std::string text = decimal(ms, f, 3) + std::string(duration_units[k].suffix);
    if (text.size() <= best.size())
      best = text;
  }
  return best;
}

std::string format_size_bytes(int64_t bytes) {
  if (bytes < 0)
    return "-" + format_size_bytes(-bytes);
  static constexpr std::array<unit, 5> binary{{{"B", 1},
                                               {"KiB", 1LL << 10},
                                               {"MiB", 1LL << 20},
                                               {"GiB", 1LL << 30},
                                               {"TiB", 1LL << 40}}};
  size_t k = binary.size() - 1;
  while (k > 0 && bytes < binary[k].factor)
    --k;
  return decimal(bytes, binary[k].factor, 2) + std::string(binary[k].suffix);
}

} // namespace troupe
