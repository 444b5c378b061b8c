// SPDX-License-Identifier: GPL-2.0
/* The 8259A pair's state machine (user/pic.c), programmed as Linux's init_8259A does. */
#include "../../user/pic.h"
#include "unit.h"

static void linux_init(struct pic *pic)
{
	pic_write(pic, 0x21, 0xff);
	pic_write(pic, 0xa1, 0xff);
	pic_write(pic, 0x20, 0x11);	/* ICW1: edge, cascade, ICW4 */
	pic_write(pic, 0x21, 0x30);	/* ICW2: vectors 0x30-0x37 */
	pic_write(pic, 0x21, 0x04);	/* ICW3: slave on IRQ2 */
	pic_write(pic, 0x21, 0x01);	/* ICW4: 8086, normal EOI */
	pic_write(pic, 0xa0, 0x11);
	pic_write(pic, 0xa1, 0x38);
	pic_write(pic, 0xa1, 0x02);
	pic_write(pic, 0xa1, 0x01);
	pic_write(pic, 0x21, 0xfb);	/* all masked but the cascade */
	pic_write(pic, 0xa1, 0xff);
}

int main(void)
{
	struct pic pic;

	pic_init(&pic);
	linux_init(&pic);
	CHECK(pic_read(&pic, 0x21) == 0xfb, "the master's mask reads back what was written");
	CHECK(pic_read(&pic, 0xa1) == 0xff, "the slave's mask reads back what was written");
	pic_write(&pic, 0x21, 0x55);
	CHECK(pic_read(&pic, 0x21) == 0x55, "a mask written after init reads back");
	pic_write(&pic, 0x21, 0xfb);

	pic_set_irq(&pic, 0, true);
	pic_set_irq(&pic, 0, false);
	CHECK(!pic_output(&pic), "a masked IRQ0 does not interrupt");
	CHECK(pic_read(&pic, 0x20) == 0x01, "IRR shows the masked edge (OCW3 default: IRR)");
	pic_write(&pic, 0x21, 0xfa);	/* unmask IRQ0 */
	CHECK(pic_output(&pic), "unmasking it interrupts");
	CHECK(pic_intack(&pic) == 0x30, "INTA gives the vector base + 0");
	CHECK(!pic_output(&pic), "in service: no second interrupt");
	pic_write(&pic, 0x20, 0x0b);	/* OCW3: read ISR */
	CHECK(pic_read(&pic, 0x20) == 0x01, "ISR shows IRQ0 in service");
	pic_set_irq(&pic, 0, true);
	pic_set_irq(&pic, 0, false);
	CHECK(!pic_output(&pic), "an equal priority waits for EOI");
	pic_write(&pic, 0x20, 0x60);	/* specific EOI, IRQ0 */
	CHECK(pic_read(&pic, 0x20) == 0x00, "specific EOI clears ISR");
	CHECK(pic_output(&pic), "the IRQ0 that waited comes after EOI");
	CHECK(pic_intack(&pic) == 0x30, "and gives its vector");
	pic_write(&pic, 0x20, 0x20);	/* non-specific EOI */
	CHECK(pic_read(&pic, 0x20) == 0x00, "non-specific EOI clears the highest ISR bit");

	pic_set_irq(&pic, 0, true);
	CHECK(pic_output(&pic), "a rising edge sets IRR");
	pic_intack(&pic);
	pic_write(&pic, 0x20, 0x20);
	pic_set_irq(&pic, 0, true);
	CHECK(!pic_output(&pic), "a line held high is no new edge");
	pic_set_irq(&pic, 0, false);

	/* The slave: IRQ12 through the cascade. */
	pic_write(&pic, 0xa1, 0xef);
	pic_set_irq(&pic, 12, true);
	CHECK(pic_output(&pic), "a slave IRQ reaches the CPU through IRQ2");
	CHECK(pic_intack(&pic) == 0x3c, "with the slave's vector base + 4");
	pic_set_irq(&pic, 12, false);
	pic_write(&pic, 0xa0, 0x20);
	pic_write(&pic, 0x20, 0x20);
	pic_write(&pic, 0x20, 0x0b);
	pic_write(&pic, 0xa0, 0x0b);
	CHECK(pic_read(&pic, 0x20) == 0 && pic_read(&pic, 0xa0) == 0,
	      "EOI to both chips leaves nothing in service");

	/* Priorities: IRQ1 before IRQ4, and IRQ4 waits while IRQ1 is in service. */
	pic_write(&pic, 0x21, 0xe9);	/* IRQ1, 2, 4 unmasked */
	pic_set_irq(&pic, 4, true);
	pic_set_irq(&pic, 1, true);
	CHECK(pic_intack(&pic) == 0x31, "the higher priority IRQ1 first");
	CHECK(!pic_output(&pic), "IRQ4 waits while IRQ1 is in service");
	pic_write(&pic, 0x20, 0x20);
	CHECK(pic_intack(&pic) == 0x34, "then IRQ4");
	pic_write(&pic, 0x20, 0x20);
	CHECK(pic_intack(&pic) == 0x37, "nothing pending: a spurious IRQ7");
	pic_set_irq(&pic, 1, false);
	pic_set_irq(&pic, 4, false);

	/* Auto-EOI, and a re-init with another base. */
	pic_write(&pic, 0x20, 0x11);
	pic_write(&pic, 0x21, 0x08);
	pic_write(&pic, 0x21, 0x04);
	pic_write(&pic, 0x21, 0x03);	/* ICW4: auto-EOI */
	CHECK(pic_read(&pic, 0x21) == 0x00, "ICW1 clears the mask");
	pic_set_irq(&pic, 3, true);
	CHECK(pic_intack(&pic) == 0x0b, "the new base is used");
	pic_write(&pic, 0x20, 0x0b);
	CHECK(pic_read(&pic, 0x20) == 0x00, "auto-EOI leaves nothing in service");

	/* Level-triggered through the ELCR. */
	pic_write(&pic, 0x4d0, 0x20);
	CHECK(pic_read(&pic, 0x4d0) == 0x20, "ELCR reads back");
	pic_set_irq(&pic, 5, true);
	pic_intack(&pic);
	CHECK(pic_output(&pic), "a level IRQ still high interrupts again (auto-EOI)");
	pic_set_irq(&pic, 5, false);
	CHECK(!pic_output(&pic), "and stops when the line drops");

	/* Poll mode. */
	pic_set_irq(&pic, 6, true);
	pic_write(&pic, 0x20, 0x0c);
	CHECK(pic_read(&pic, 0x20) == 0x86, "OCW3 poll reads 0x80 | IRQ");
	return unit_done("test_pic");
}
