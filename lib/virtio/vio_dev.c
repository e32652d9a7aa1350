/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Feature negotiation and device-config access, written once above the
 * transport ops (virtio 1.2 sections 2.1, 2.2, 2.5.1 and 3.1.1).
 */
#include <errno.h>
#include <inttypes.h>

#include "vio_dev.h"
#include "vio_log.h"

/* A config read racing a device update retries; give up after this many. */
#define VIO_CONFIG_READ_TRIES 64

int
vio_dev_reset(struct vio_dev *dev)
{
	int rc = dev->ops->reset(dev);

	if (rc < 0)
		VIO_LOG(ERR, "%s: device did not complete reset", dev->name);
	return rc;
}

static void
vio_dev_add_status(struct vio_dev *dev, uint8_t bits)
{
	dev->ops->set_status(dev, dev->ops->get_status(dev) | bits);
}

void
vio_dev_fail(struct vio_dev *dev)
{
	vio_dev_add_status(dev, VIO_STATUS_FAILED);
}

bool
vio_dev_needs_reset(struct vio_dev *dev)
{
	return (dev->ops->get_status(dev) & VIO_STATUS_DEVICE_NEEDS_RESET) != 0;
}

/* Features the driver always wants when the device offers them. */
static uint64_t
vio_dev_transport_features(void)
{
	/*
	 * A device behind an IOMMU only works when ACCESS_PLATFORM is
	 * accepted. ORDER_PLATFORM (section 6.1: a driver SHOULD accept it)
	 * only asks for the platform's I/O barriers, which the queues then
	 * use (vio_vq_create).
	 */
	return VIO_BIT(VIO_F_VERSION_1) | VIO_BIT(VIO_F_ACCESS_PLATFORM) |
	       VIO_BIT(VIO_F_ORDER_PLATFORM);
}

static int
vio_dev_check_offer(struct vio_dev *dev, uint64_t required)
{
	uint64_t missing;

	if (!(dev->device_features & VIO_BIT(VIO_F_VERSION_1))) {
		VIO_LOG(ERR, "%s: device does not offer VERSION_1 (legacy-only device)", dev->name);
		return -ENOTSUP;
	}
	missing = required & ~dev->device_features;
	if (missing != 0) {
		VIO_LOG(ERR, "%s: device lacks required features 0x%" PRIx64, dev->name, missing);
		return -ENOTSUP;
	}
	return 0;
}

int
vio_dev_negotiate(struct vio_dev *dev, uint64_t wanted, uint64_t required)
{
	uint64_t driver_features;
	int rc;

	dev->features = 0;
	rc = vio_dev_reset(dev);
	if (rc < 0)
		return rc;
	vio_dev_add_status(dev, VIO_STATUS_ACKNOWLEDGE);
	vio_dev_add_status(dev, VIO_STATUS_DRIVER);

	dev->device_features = dev->ops->get_features(dev);
	required |= VIO_BIT(VIO_F_VERSION_1);
	rc = vio_dev_check_offer(dev, required);
	if (rc < 0)
		goto failed;

	driver_features = dev->device_features & (wanted | required | vio_dev_transport_features());
	dev->ops->set_features(dev, driver_features);
	vio_dev_add_status(dev, VIO_STATUS_FEATURES_OK);
	/* Section 3.1.1 step 6: the device may refuse the subset we chose. */
	if (!(dev->ops->get_status(dev) & VIO_STATUS_FEATURES_OK)) {
		VIO_LOG(ERR, "%s: device refused features 0x%" PRIx64 " (FEATURES_OK not set)",
			dev->name, driver_features);
		rc = -ENOTSUP;
		goto failed;
	}
	dev->features = driver_features;
	VIO_LOG(DEBUG, "%s: negotiated features 0x%" PRIx64 " (offered 0x%" PRIx64 ")", dev->name,
		driver_features, dev->device_features);
	return 0;

failed:
	vio_dev_fail(dev);
	return rc;
}

int
vio_dev_driver_ok(struct vio_dev *dev)
{
	uint8_t status;

	vio_dev_add_status(dev, VIO_STATUS_DRIVER_OK);
	status = dev->ops->get_status(dev);
	if (status & (VIO_STATUS_FAILED | VIO_STATUS_DEVICE_NEEDS_RESET) ||
	    !(status & VIO_STATUS_DRIVER_OK)) {
		VIO_LOG(ERR, "%s: device did not accept DRIVER_OK (status 0x%02x)", dev->name,
			status);
		return -EIO;
	}
	return 0;
}

static int
vio_dev_check_config_range(struct vio_dev *dev, size_t offset, size_t len)
{
	size_t cfg_len = dev->ops->config_len(dev);

	if (offset > cfg_len || len > cfg_len - offset) {
		VIO_LOG(ERR, "%s: config access [%zu, +%zu) outside %zu-byte device config",
			dev->name, offset, len, cfg_len);
		return -ERANGE;
	}
	return 0;
}

int
vio_dev_read_config(struct vio_dev *dev, size_t offset, void *buf, size_t len)
{
	uint8_t before, after;
	int tries, rc;

	rc = vio_dev_check_config_range(dev, offset, len);
	if (rc < 0)
		return rc;
	/* Section 2.5.1: a multi-byte read is consistent only when the
	 * generation is the same before and after it. */
	for (tries = 0; tries < VIO_CONFIG_READ_TRIES; tries++) {
		before = dev->ops->config_generation(dev);
		dev->ops->read_config(dev, offset, buf, len);
		after = dev->ops->config_generation(dev);
		if (before == after)
			return 0;
	}
	VIO_LOG(ERR, "%s: config generation kept changing during a %zu-byte read", dev->name, len);
	return -EAGAIN;
}

int
vio_dev_write_config(struct vio_dev *dev, size_t offset, const void *buf, size_t len)
{
	int rc = vio_dev_check_config_range(dev, offset, len);

	if (rc < 0)
		return rc;
	dev->ops->write_config(dev, offset, buf, len);
	return 0;
}
