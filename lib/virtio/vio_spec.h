/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Virtio 1.x constants shared by every Vireo driver.
 *
 * Values and layouts come from the OASIS Virtio 1.2 specification; each
 * group names the section it mirrors. On-wire layouts are pinned with
 * static_assert so that a typo cannot silently change an offset.
 */
#ifndef VIO_SPEC_H
#define VIO_SPEC_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

/* Virtio 1.x structures are little-endian; Vireo reads them natively. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "Vireo supports little-endian CPUs only"
#endif

/* Device status field, section 2.1. */
#define VIO_STATUS_RESET 0x00
#define VIO_STATUS_ACKNOWLEDGE 0x01
#define VIO_STATUS_DRIVER 0x02
#define VIO_STATUS_DRIVER_OK 0x04
#define VIO_STATUS_FEATURES_OK 0x08
#define VIO_STATUS_DEVICE_NEEDS_RESET 0x40
#define VIO_STATUS_FAILED 0x80

/* Reserved (transport) feature bits, section 6. */
#define VIO_F_INDIRECT_DESC 28
#define VIO_F_EVENT_IDX 29
#define VIO_F_VERSION_1 32
#define VIO_F_ACCESS_PLATFORM 33
#define VIO_F_RING_PACKED 34
#define VIO_F_IN_ORDER 35
#define VIO_F_ORDER_PLATFORM 36
#define VIO_F_SR_IOV 37
#define VIO_F_NOTIFICATION_DATA 38

/* Network device feature bits, section 5.1.3. */
#define VIO_NET_F_CSUM 0
#define VIO_NET_F_GUEST_CSUM 1
#define VIO_NET_F_CTRL_GUEST_OFFLOADS 2
#define VIO_NET_F_MTU 3
#define VIO_NET_F_MAC 5
#define VIO_NET_F_GUEST_TSO4 7
#define VIO_NET_F_GUEST_TSO6 8
#define VIO_NET_F_GUEST_ECN 9
#define VIO_NET_F_GUEST_UFO 10
#define VIO_NET_F_HOST_TSO4 11
#define VIO_NET_F_HOST_TSO6 12
#define VIO_NET_F_HOST_ECN 13
#define VIO_NET_F_HOST_UFO 14
#define VIO_NET_F_MRG_RXBUF 15
#define VIO_NET_F_STATUS 16
#define VIO_NET_F_CTRL_VQ 17
#define VIO_NET_F_CTRL_RX 18
#define VIO_NET_F_CTRL_VLAN 19
#define VIO_NET_F_CTRL_RX_EXTRA 20
#define VIO_NET_F_GUEST_ANNOUNCE 21
#define VIO_NET_F_MQ 22
#define VIO_NET_F_CTRL_MAC_ADDR 23
#define VIO_NET_F_HASH_REPORT 57
#define VIO_NET_F_RSS 60
#define VIO_NET_F_SPEED_DUPLEX 63

/* Block device feature bits, section 5.2.3. */
#define VIO_BLK_F_SIZE_MAX 1
#define VIO_BLK_F_SEG_MAX 2
#define VIO_BLK_F_GEOMETRY 4
#define VIO_BLK_F_RO 5
#define VIO_BLK_F_BLK_SIZE 6
#define VIO_BLK_F_FLUSH 9
#define VIO_BLK_F_TOPOLOGY 10
#define VIO_BLK_F_CONFIG_WCE 11
#define VIO_BLK_F_MQ 12
#define VIO_BLK_F_DISCARD 13
#define VIO_BLK_F_WRITE_ZEROES 14

/** Feature bit number to mask. */
#define VIO_BIT(b) (UINT64_C(1) << (b))

/* PCI identity, section 4.1.2. */
#define VIO_PCI_VENDOR_ID 0x1af4
#define VIO_PCI_MODERN_DEVICE_BASE 0x1040
#define VIO_PCI_TRANSITIONAL_NET 0x1000
#define VIO_PCI_TRANSITIONAL_BLK 0x1001
#define VIO_ID_NET 1
#define VIO_ID_BLK 2

/* PCI vendor capability types, section 4.1.4. */
#define VIO_PCI_CAP_COMMON_CFG 1
#define VIO_PCI_CAP_NOTIFY_CFG 2
#define VIO_PCI_CAP_ISR_CFG 3
#define VIO_PCI_CAP_DEVICE_CFG 4
#define VIO_PCI_CAP_PCI_CFG 5
#define VIO_PCI_CAP_SHARED_MEMORY_CFG 8
#define VIO_PCI_CAP_VNDR 0x09 /* PCI vendor-specific capability ID */

/** struct virtio_pci_cap, section 4.1.4. */
struct vio_pci_cap {
	uint8_t cap_vndr;
	uint8_t cap_next;
	uint8_t cap_len;
	uint8_t cfg_type;
	uint8_t bar;
	uint8_t id;
	uint8_t padding[2];
	uint32_t offset;
	uint32_t length;
};
static_assert(sizeof(struct vio_pci_cap) == 16, "virtio_pci_cap is 16 bytes");
static_assert(offsetof(struct vio_pci_cap, offset) == 8, "cap.offset");
static_assert(offsetof(struct vio_pci_cap, length) == 12, "cap.length");

/** struct virtio_pci_notify_cap, section 4.1.4.4. */
struct vio_pci_notify_cap {
	struct vio_pci_cap cap;
	uint32_t notify_off_multiplier;
};
static_assert(sizeof(struct vio_pci_notify_cap) == 20, "notify cap is 20 bytes");

/** struct virtio_pci_common_cfg, section 4.1.4.3 (little-endian registers). */
struct vio_pci_common_cfg {
	uint32_t device_feature_select;
	uint32_t device_feature;
	uint32_t driver_feature_select;
	uint32_t driver_feature;
	uint16_t config_msix_vector;
	uint16_t num_queues;
	uint8_t device_status;
	uint8_t config_generation;
	uint16_t queue_select;
	uint16_t queue_size;
	uint16_t queue_msix_vector;
	uint16_t queue_enable;
	uint16_t queue_notify_off;
	uint64_t queue_desc;
	uint64_t queue_driver;
	uint64_t queue_device;
};
static_assert(offsetof(struct vio_pci_common_cfg, device_feature_select) == 0, "dfselect");
static_assert(offsetof(struct vio_pci_common_cfg, device_feature) == 4, "df");
static_assert(offsetof(struct vio_pci_common_cfg, driver_feature_select) == 8, "gfselect");
static_assert(offsetof(struct vio_pci_common_cfg, driver_feature) == 12, "gf");
static_assert(offsetof(struct vio_pci_common_cfg, config_msix_vector) == 16, "msix");
static_assert(offsetof(struct vio_pci_common_cfg, num_queues) == 18, "numq");
static_assert(offsetof(struct vio_pci_common_cfg, device_status) == 20, "status");
static_assert(offsetof(struct vio_pci_common_cfg, config_generation) == 21, "cfggen");
static_assert(offsetof(struct vio_pci_common_cfg, queue_select) == 22, "q_select");
static_assert(offsetof(struct vio_pci_common_cfg, queue_size) == 24, "q_size");
static_assert(offsetof(struct vio_pci_common_cfg, queue_msix_vector) == 26, "q_msix");
static_assert(offsetof(struct vio_pci_common_cfg, queue_enable) == 28, "q_enable");
static_assert(offsetof(struct vio_pci_common_cfg, queue_notify_off) == 30, "q_noff");
static_assert(offsetof(struct vio_pci_common_cfg, queue_desc) == 32, "q_desc");
static_assert(offsetof(struct vio_pci_common_cfg, queue_driver) == 40, "q_avail");
static_assert(offsetof(struct vio_pci_common_cfg, queue_device) == 48, "q_used");
static_assert(sizeof(struct vio_pci_common_cfg) == 56, "common cfg is 56 bytes");

/** MSI-X "no vector", section 4.1.5.1.2. */
#define VIO_MSI_NO_VECTOR 0xffff

/* Split virtqueue descriptor flags, section 2.7.5. */
#define VIO_DESC_F_NEXT 1
#define VIO_DESC_F_WRITE 2
#define VIO_DESC_F_INDIRECT 4

/* Avail / used ring flags, sections 2.7.7 and 2.7.8. */
#define VIO_AVAIL_F_NO_INTERRUPT 1
#define VIO_USED_F_NO_NOTIFY 1

/** Split virtqueue descriptor, section 2.7.5. */
struct vio_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
static_assert(sizeof(struct vio_desc) == 16, "descriptor is 16 bytes");

/** Driver (avail) ring header, section 2.7.6; used_event follows ring[size]. */
struct vio_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};
static_assert(sizeof(struct vio_avail) == 4, "avail header is 4 bytes");

/** Used ring element, section 2.7.8. */
struct vio_used_elem {
	uint32_t id;
	uint32_t len;
};
static_assert(sizeof(struct vio_used_elem) == 8, "used elem is 8 bytes");

/** Device (used) ring header, section 2.7.8; avail_event follows ring[size]. */
struct vio_used {
	uint16_t flags;
	uint16_t idx;
	struct vio_used_elem ring[];
};
static_assert(sizeof(struct vio_used) == 4, "used header is 4 bytes");

/** Largest split queue size, section 2.7. */
#define VIO_SPLIT_MAX_SIZE 32768

/* Packed virtqueue descriptor flags, section 2.8.1 (plus NEXT/WRITE/INDIRECT). */
#define VIO_PACKED_DESC_F_AVAIL (1u << 7)
#define VIO_PACKED_DESC_F_USED (1u << 15)

/** Packed virtqueue descriptor, section 2.8.13: note the field order. */
struct vio_packed_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};
static_assert(sizeof(struct vio_packed_desc) == 16, "packed descriptor is 16 bytes");

/** Event suppression structure, section 2.8.10 (one per direction). */
struct vio_packed_event {
	uint16_t off_wrap; /**< Bits 0-14: descriptor offset; bit 15: wrap counter. */
	uint16_t flags;    /**< VIO_PACKED_EVENT_F_*. */
};
static_assert(sizeof(struct vio_packed_event) == 4, "event suppression is 4 bytes");

#define VIO_PACKED_EVENT_F_ENABLE 0  /**< Notify on every buffer. */
#define VIO_PACKED_EVENT_F_DISABLE 1 /**< Never notify. */
#define VIO_PACKED_EVENT_F_DESC 2    /**< Notify at off_wrap (EVENT_IDX only). */
#define VIO_PACKED_EVENT_WRAP_SHIFT 15

/** Largest packed queue size, section 2.8 (any size up to it, not only powers of two). */
#define VIO_PACKED_MAX_SIZE 32768

/** virtio-net packet header (with num_buffers), section 5.1.6. */
struct vio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
static_assert(offsetof(struct vio_net_hdr, gso_type) == 1, "net hdr gso_type");
static_assert(offsetof(struct vio_net_hdr, hdr_len) == 2, "net hdr hdr_len");
static_assert(offsetof(struct vio_net_hdr, gso_size) == 4, "net hdr gso_size");
static_assert(offsetof(struct vio_net_hdr, csum_start) == 6, "net hdr csum_start");
static_assert(offsetof(struct vio_net_hdr, csum_offset) == 8, "net hdr csum_offset");
static_assert(offsetof(struct vio_net_hdr, num_buffers) == 10, "net hdr num_buffers");
static_assert(sizeof(struct vio_net_hdr) == 12, "net hdr (VERSION_1) is 12 bytes");

#define VIO_NET_HDR_F_NEEDS_CSUM 1
#define VIO_NET_HDR_F_DATA_VALID 2
#define VIO_NET_HDR_GSO_NONE 0
#define VIO_NET_HDR_GSO_TCPV4 1
#define VIO_NET_HDR_GSO_UDP 3
#define VIO_NET_HDR_GSO_TCPV6 4
#define VIO_NET_HDR_GSO_ECN 0x80

/** virtio-net device configuration, section 5.1.4 (fields up to mtu). */
struct vio_net_config {
	uint8_t mac[6];
	uint16_t status;
	uint16_t max_virtqueue_pairs;
	uint16_t mtu;
	uint32_t speed;
	uint8_t duplex;
};
static_assert(offsetof(struct vio_net_config, status) == 6, "net status");
static_assert(offsetof(struct vio_net_config, max_virtqueue_pairs) == 8, "net mq");
static_assert(offsetof(struct vio_net_config, mtu) == 10, "net mtu");
static_assert(offsetof(struct vio_net_config, speed) == 12, "net speed");
static_assert(offsetof(struct vio_net_config, duplex) == 16, "net duplex");

#define VIO_NET_S_LINK_UP 1
#define VIO_NET_S_ANNOUNCE 2

/* virtio-net control queue, section 5.1.6.5. */
#define VIO_NET_OK 0
#define VIO_NET_ERR 1
#define VIO_NET_CTRL_RX 0
#define VIO_NET_CTRL_RX_PROMISC 0
#define VIO_NET_CTRL_RX_ALLMULTI 1
#define VIO_NET_CTRL_MAC 1
#define VIO_NET_CTRL_MAC_TABLE_SET 0
#define VIO_NET_CTRL_MAC_ADDR_SET 1
#define VIO_NET_CTRL_VLAN 2
#define VIO_NET_CTRL_VLAN_ADD 0
#define VIO_NET_CTRL_VLAN_DEL 1
#define VIO_NET_CTRL_MQ 4
#define VIO_NET_CTRL_MQ_VQ_PAIRS_SET 0

/** virtio-blk device configuration, section 5.2.4 (leading fields). */
struct vio_blk_config {
	uint64_t capacity; /* in 512-byte sectors */
	uint32_t size_max;
	uint32_t seg_max;
	uint16_t cylinders;
	uint8_t heads;
	uint8_t sectors;
	uint32_t blk_size;
	uint8_t physical_block_exp;
	uint8_t alignment_offset;
	uint16_t min_io_size;
	uint32_t opt_io_size;
	uint8_t writeback;
	uint8_t unused0;
	uint16_t num_queues;
	uint32_t max_discard_sectors;
	uint32_t max_discard_seg;
	uint32_t discard_sector_alignment;
	uint32_t max_write_zeroes_sectors;
	uint32_t max_write_zeroes_seg;
	uint8_t write_zeroes_may_unmap;
	uint8_t unused1[3];
};
static_assert(offsetof(struct vio_blk_config, size_max) == 8, "blk size_max");
static_assert(offsetof(struct vio_blk_config, seg_max) == 12, "blk seg_max");
static_assert(offsetof(struct vio_blk_config, cylinders) == 16, "blk geometry");
static_assert(offsetof(struct vio_blk_config, blk_size) == 20, "blk_size");
static_assert(offsetof(struct vio_blk_config, physical_block_exp) == 24, "blk topology");
static_assert(offsetof(struct vio_blk_config, min_io_size) == 26, "blk min_io_size");
static_assert(offsetof(struct vio_blk_config, opt_io_size) == 28, "blk opt_io_size");
static_assert(offsetof(struct vio_blk_config, writeback) == 32, "blk writeback");
static_assert(offsetof(struct vio_blk_config, num_queues) == 34, "blk num_queues");
static_assert(offsetof(struct vio_blk_config, max_discard_sectors) == 36, "blk discard");
static_assert(offsetof(struct vio_blk_config, max_write_zeroes_sectors) == 48, "blk wz");
static_assert(offsetof(struct vio_blk_config, write_zeroes_may_unmap) == 56, "blk wz unmap");
/** Bytes of the config fields above (the struct is padded to 64 by capacity's alignment). */
#define VIO_BLK_CONFIG_LEN 60
static_assert(offsetof(struct vio_blk_config, unused1) + 3 == VIO_BLK_CONFIG_LEN, "blk cfg len");

/** Range of a DISCARD or WRITE_ZEROES request, section 5.2.6. */
struct vio_blk_discard_wz {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};
static_assert(sizeof(struct vio_blk_discard_wz) == 16, "blk discard range is 16 bytes");

/** WRITE_ZEROES flag: the device may deallocate (section 5.2.6). */
#define VIO_BLK_WZ_F_UNMAP 1
/** Bytes of a GET_ID answer. */
#define VIO_BLK_ID_BYTES 20

/** virtio-blk request header, section 5.2.6. */
struct vio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
static_assert(sizeof(struct vio_blk_req_hdr) == 16, "blk req hdr is 16 bytes");

#define VIO_BLK_T_IN 0
#define VIO_BLK_T_OUT 1
#define VIO_BLK_T_FLUSH 4
#define VIO_BLK_T_GET_ID 8
#define VIO_BLK_T_DISCARD 11
#define VIO_BLK_T_WRITE_ZEROES 13
#define VIO_BLK_S_OK 0
#define VIO_BLK_S_IOERR 1
#define VIO_BLK_S_UNSUPP 2
#define VIO_BLK_SECTOR_SIZE 512

#endif /* VIO_SPEC_H */
