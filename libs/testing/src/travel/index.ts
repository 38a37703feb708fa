export {
  startTravelServer,
  type TravelServerOptions,
  type TravelTestServer,
  type TravelOffer,
  type TravelBooking,
  type TravelRecordedRequest,
} from './travel-server.js';
