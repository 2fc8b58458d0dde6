/* SPDX-License-Identifier: MIT */
/* A static glibc child that does nothing: libc start-up, then exit 0. */
int main(void)
{
	return 0;
}
