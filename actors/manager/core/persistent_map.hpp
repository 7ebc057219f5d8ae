// A persistent (immutable, structurally shared) sorted map from string keys
// to values: an AVL tree of std::shared_ptr<const node>, updated by path
// copying. Copying a map is O(1) (one shared pointer); set() and erase()
// copy only the O(log n) nodes on the path to the key, and every other node
// is shared with the older versions, which stay valid and unchanged for
// whoever still holds them. Values are never copied by an update: each one
// lives behind its own shared pointer (value()), shared by every version
// that holds it.
//
// Iteration is in key order and yields `const std::pair<const std::string,
// V>&`, like a const std::map, so `for (const auto& [k, v] : m)` works. An
// iterator keeps the version it walks alive.
//
// Work is counted (map_work, thread-local): nodes visited and nodes copied
// (allocated) by updates and lookups, so tests can check that an operation
// costs O(log n), not O(n). Counting changes no result.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace troupe {

/// Nodes visited and copied by persistent_map operations on this thread.
struct map_work {
  uint64_t visited = 0;
  uint64_t copied = 0;
  static map_work& counter() {
    thread_local map_work w;
    return w;
  }
};

template <class V>
class persistent_map {
public:
  using key_type = std::string;
  using mapped_type = V;
  using value_type = std::pair<const std::string, V>;
  using entry_ptr = std::shared_ptr<const value_type>;

private:
  struct node;
  using node_ptr = std::shared_ptr<const node>;
  struct node {
    entry_ptr kv;
    node_ptr left, right;
    int height = 1;
  };

public:
  class const_iterator {
  public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = persistent_map::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = const value_type&;

    const_iterator() = default;
    reference operator*() const { return *path_.back()->kv; }
    pointer operator->() const { return path_.back()->kv.get(); }
    /// The entry behind the iterator, shared with the map.
    const entry_ptr& entry() const { return path_.back()->kv; }
    const_iterator& operator++() {
      const node* n = path_.back();
      path_.pop_back();
      descend_left(n->right.get());
      return *this;
    }
    const_iterator operator++(int) {
      auto old = *this;
      ++*this;
      return old;
    }
    bool operator==(const const_iterator& o) const {
      if (path_.empty() || o.path_.empty())
        return path_.empty() && o.path_.empty();
      return path_.back() == o.path_.back();
    }
    bool operator!=(const const_iterator& o) const { return !(*this == o); }

  private:
    friend class persistent_map;
    void descend_left(const node* n) {
      for (; n != nullptr; n = n->left.get()) {
        ++map_work::counter().visited;
        path_.push_back(n);
      }
    }
    node_ptr root_;                // keeps the walked version alive
    std::vector<const node*> path_; // current node, then ancestors to visit
  };
  using iterator = const_iterator;

  persistent_map() = default;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  const_iterator begin() const {
    const_iterator it;
    it.root_ = root_;
    it.descend_left(root_.get());
    return it;
  }
  const_iterator end() const { return {}; }

  /// The first element whose key is not less than `key`.
  const_iterator lower_bound(const std::string& key) const {
    const_iterator it;
    it.root_ = root_;
    // The stack holds the nodes whose left subtree we went into: the top
    // is the answer, the others come after it in order.
    for (const node* n = root_.get(); n != nullptr;) {
      ++map_work::counter().visited;
      if (key <= n->kv->first) {
        it.path_.push_back(n);
        n = n->left.get();
      } else {
        n = n->right.get();
      }
    }
    return it;
  }

  const_iterator find(const std::string& key) const {
    auto it = lower_bound(key);
    if (it != end() && it->first == key)
      return it;
    return end();
  }

  size_t count(const std::string& key) const { return get(key) ? 1 : 0; }

  /// The value of `key`, or nullptr.
  const V* get(const std::string& key) const {
    const node* n = root_.get();
    while (n != nullptr) {
      ++map_work::counter().visited;
      int c = key.compare(n->kv->first);
      if (c == 0)
        return &n->kv->second;
      n = c < 0 ? n->left.get() : n->right.get();
    }
    return nullptr;
  }

  /// The value of `key` as a pointer shared with the map, or nullptr.
  std::shared_ptr<const V> value(const std::string& key) const {
    const node* n = root_.get();
    while (n != nullptr) {
      ++map_work::counter().visited;
      int c = key.compare(n->kv->first);
      if (c == 0)
        return std::shared_ptr<const V>(n->kv, &n->kv->second);
      n = c < 0 ? n->left.get() : n->right.get();
    }
    return nullptr;
  }

  const V& at(const std::string& key) const {
    if (auto* v = get(key))
      return *v;
    throw std::out_of_range("persistent_map::at: no key " + key);
  }

  /// Inserts or replaces `key`.
  void set(const std::string& key, V value) {
    set(std::make_shared<const value_type>(key, std::move(value)));
  }
  void set(entry_ptr kv) {
    bool added = false;
    root_ = insert(root_, std::move(kv), added);
    size_ += added ? 1 : 0;
  }

  /// Removes `key`; true if it was there.
  bool erase(const std::string& key) {
    bool removed = false;
    root_ = remove(root_, key, removed);
    size_ -= removed ? 1 : 0;
    return removed;
  }

  void clear() {
    root_.reset();
    size_ = 0;
  }

  /// True if both maps are the same version (share their root).
  bool same_as(const persistent_map& o) const { return root_ == o.root_; }

private:
  static int height(const node_ptr& n) { return n ? n->height : 0; }

  static node_ptr make(entry_ptr kv, node_ptr l, node_ptr r) {
    ++map_work::counter().copied;
    auto n = std::make_shared<node>();
    n->kv = std::move(kv);
    n->height = 1 + std::max(height(l), height(r));
    n->left = std::move(l);
    n->right = std::move(r);
    return n;
  }

  static node_ptr rotate_right(const node_ptr& n) {
    const auto& l = n->left;
    return make(l->kv, l->left, make(n->kv, l->right, n->right));
  }
  static node_ptr rotate_left(const node_ptr& n) {
    const auto& r = n->right;
    return make(r->kv, make(n->kv, n->left, r->left), r->right);
  }

  // A node from kv and two subtrees whose heights differ by at most 2.
  static node_ptr balance(entry_ptr kv, node_ptr l, node_ptr r) {
    int hl = height(l), hr = height(r);
    if (hl > hr + 1) {
      if (height(l->left) < height(l->right))
        l = rotate_left(l);
      return rotate_right(make(std::move(kv), std::move(l), std::move(r)));
    }
    if (hr > hl + 1) {
      if (height(r->right) < height(r->left))
        r = rotate_right(r);
      return rotate_left(make(std::move(kv), std::move(l), std::move(r)));
    }
    return make(std::move(kv), std::move(l), std::move(r));
  }

  static node_ptr insert(const node_ptr& n, entry_ptr kv, bool& added) {
    if (!n) {
      added = true;
      return make(std::move(kv), nullptr, nullptr);
    }
    ++map_work::counter().visited;
    int c = kv->first.compare(n->kv->first);
    if (c == 0)
      return make(std::move(kv), n->left, n->right);
    if (c < 0)
      return balance(n->kv, insert(n->left, std::move(kv), added), n->right);
    return balance(n->kv, n->left, insert(n->right, std::move(kv), added));
  }

  // Removes the smallest node of `n` into `min`.
  static node_ptr remove_min(const node_ptr& n, entry_ptr& min) {
    ++map_work::counter().visited;
    if (!n->left) {
      min = n->kv;
      return n->right;
    }
    return balance(n->kv, remove_min(n->left, min), n->right);
  }

  static node_ptr remove(const node_ptr& n, const std::string& key,
                         bool& removed) {
    if (!n)
      return n;
    ++map_work::counter().visited;
    int c = key.compare(n->kv->first);
    if (c < 0) {
      auto l = remove(n->left, key, removed);
      return removed ? balance(n->kv, std::move(l), n->right) : n;
    }
    if (c > 0) {
      auto r = remove(n->right, key, removed);
      return removed ? balance(n->kv, n->left, std::move(r)) : n;
    }
    removed = true;
    if (!n->left)
      return n->right;
    if (!n->right)
      return n->left;
    entry_ptr min;
    auto r = remove_min(n->right, min);
    return balance(std::move(min), n->left, std::move(r));
  }

  node_ptr root_;
  size_t size_ = 0;
};

} // namespace troupe
