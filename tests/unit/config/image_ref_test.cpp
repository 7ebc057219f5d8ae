// Image names: "NAME" and "NAME:latest" are one image; other tags match
// exactly; a registry port is not a tag.
#include <gtest/gtest.h>

#include "config/image_ref.hpp"

using namespace troupe;

TEST(image_ref, latest_and_no_tag_name_the_same_image) {
  EXPECT_EQ(image_names("busybox"), (std::vector<std::string>{"busybox", "busybox:latest"}));
  EXPECT_EQ(image_names("busybox:latest"),
            (std::vector<std::string>{"busybox:latest", "busybox"}));
  EXPECT_EQ(image_names("busybox:1.36"), (std::vector<std::string>{"busybox:1.36"}));
  EXPECT_EQ(image_names("host:5000/app"),
            (std::vector<std::string>{"host:5000/app", "host:5000/app:latest"}));
}

TEST(image_ref, find_image_prefers_the_exact_name) {
  std::vector<std::string> held{"busybox", "busybox:latest", "web:2"};
  EXPECT_EQ(find_image(held, "busybox:latest"), "busybox:latest");
  EXPECT_EQ(find_image(held, "busybox"), "busybox");
  EXPECT_EQ(find_image(std::vector<std::string>{"busybox"}, "busybox:latest"), "busybox");
  EXPECT_EQ(find_image(held, "web:2"), "web:2");
  EXPECT_EQ(find_image(held, "web"), "");
  EXPECT_EQ(find_image(held, "busybox:1.36"), "");
}
