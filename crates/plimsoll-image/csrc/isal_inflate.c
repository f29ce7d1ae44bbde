/*
 * Plimsoll's bridge to ISA-L's raw deflate decoder (igzip), compiled against
 * the system's <isa-l/igzip_lib.h> so that `struct inflate_state` always has
 * the layout of the library it links with (no hand-written Rust mirror of a
 * struct that changes between ISA-L releases).
 *
 * ISA-L fills a 64-bit bit buffer from its input, so at the end of a deflate
 * stream it may have taken up to 8 bytes that belong to whatever follows (the
 * gzip trailer, the next member). plimsoll_isal_inflate reports how many whole
 * bytes it holds unread so that the caller can give them back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <isa-l/igzip_lib.h>

struct inflate_state *plimsoll_isal_new(void)
{
	struct inflate_state *s = malloc(sizeof(*s));
	if (s != NULL) {
		isal_inflate_init(s);
		s->crc_flag = ISAL_DEFLATE;
	}
	return s;
}

void plimsoll_isal_reset(struct inflate_state *s)
{
	isal_inflate_reset(s);
	s->crc_flag = ISAL_DEFLATE;
}

void plimsoll_isal_free(struct inflate_state *s)
{
	free(s);
}

/*
 * Inflates from in[0..in_len) into out[0..out_len). Returns isal_inflate's
 * status (negative: the stream is corrupt). *finished is 1 once the final
 * block has been decoded and all of it written out; *unread is then the
 * number of whole bytes taken from the input but not part of the stream.
 */
int plimsoll_isal_inflate(struct inflate_state *s, const uint8_t *in,
			  uint32_t in_len, uint8_t *out, uint32_t out_len,
			  uint32_t *consumed, uint32_t *produced, int *finished,
			  uint32_t *unread)
{
	s->next_in = (uint8_t *)in;
	s->avail_in = in_len;
	s->next_out = out;
	s->avail_out = out_len;
	int status = isal_inflate(s);
	*consumed = in_len - s->avail_in;
	*produced = out_len - s->avail_out;
	*finished = s->block_state == ISAL_BLOCK_FINISH;
	*unread = (*finished && s->read_in_length > 0) ? (uint32_t)s->read_in_length / 8 : 0;
	return status;
}
