/**
 * Devices the kernel puts on the rpmsg bus for itself, next to the channels the remote announced.
 * Each is registered through rpmsg_register_device_override (rpmsg_core.c), which copies the driver
 * name into both the device's `name` (its id.name) and its `driver_override`:
 *
 * - `rpmsg_ns` — the name-service endpoint, `virtioN.rpmsg_ns.53.53` (rpmsg_ns_register_device in
 *   rpmsg_ns.c, called by virtio_rpmsg_bus's rpmsg_probe; Linux ≥ 5.11).
 * - `rpmsg_ctrl` — the device behind `/dev/rpmsg_ctrlN`, `virtioN.rpmsg_ctrl.0.0`
 *   (rpmsg_virtio_add_ctrl_dev in virtio_rpmsg_bus.c via rpmsg_ctrldev_register_device; Linux ≥ 5.18).
 * - `rpmsg_chrdev` — the same control device as the older transports register it
 *   (rpmsg_chrdev_register_device: qcom_glink, qcom_smd).
 *
 * None is an announcement: none can be opened as a channel.
 */
const INTERNAL_NAMES: ReadonlySet<string> = new Set(['rpmsg_ns', 'rpmsg_ctrl', 'rpmsg_chrdev']);

/**
 * True for a device of the kernel's own (see above): its name is one of those drivers' and its
 * `driver_override` holds the same name. A remote's announcement gets no override from the kernel
 * (rpmsg_ns_cb → rpmsg_create_channel leaves it unset), so a service that happened to be called
 * `rpmsg_ns` would still be listed.
 */
export function isInternalDevice(name: string, driverOverride: string | null | undefined): boolean {
  return INTERNAL_NAMES.has(name) && driverOverride === name;
}
