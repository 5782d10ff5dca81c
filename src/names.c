/* SPDX-License-Identifier: GPL-2.0-or-later */
/* names.c - valid names (names.h). */
#include <string.h>

#include "model.h"
#include "names.h"

bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

bool name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CLUSTD_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!name_char_ok(*s))
			return false;
	return true;
}

bool ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || (unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}
