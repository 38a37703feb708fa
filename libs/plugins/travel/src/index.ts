export { plugin, manifest, DEFAULT_MAX_BOOKING_AMOUNT } from './travel.plugin.js';
export { TravelApiError, DEFAULT_TRAVEL_API } from './travel-api.js';
