// The accounts domain's public surface (what later domains and pages call).
export { createAddress, deleteAddress, getAddress, getDefaultShippingAddress, listAddresses, updateAddress } from "./service/addresses";
